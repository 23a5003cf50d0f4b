//! Answers whether `user` is online.
use switchboard_guest::{Error, Request, handler, json, socket};

#[handler]
fn handle(req: Request) -> Result<(), Error> {
    let user = req.json()["user"].as_str().unwrap_or_default();
    socket::send(json!({ "user": user, "online": socket::is_online(user)? }))
}
