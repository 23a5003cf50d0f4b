use switchboard_guest::{Error, Request, handler, socket};

/// `send-to` with 10,000 users.
#[handler]
fn crowd(_req: Request) -> Result<(), Error> {
    let users: Vec<String> = (0..10_000).map(|i| format!("user{i}")).collect();
    socket::to(&users).send("hello, crowd")
}
