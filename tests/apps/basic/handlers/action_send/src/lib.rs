//! Sends `message` back through `send`: to this user everywhere, or to this
//! connection when anonymous.
use switchboard_guest::{Error, Request, handler, socket};

#[handler]
fn handle(req: Request) -> Result<(), Error> {
    socket::send(req.json()["message"].clone())
}
