use switchboard_guest::{Request, handler, socket};

/// `send-to` with 10,000 users.
#[handler]
fn crowd(_req: Request) -> Result<(), String> {
    let users: Vec<String> = (0..10_000).map(|i| format!("user{i}")).collect();
    socket::to(&users).send("hello, crowd").map_err(|e| e.to_string())
}
