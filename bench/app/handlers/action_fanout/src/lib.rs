//! `{"action": "fanout", "to": [users], ...}`: the whole message to every
//! user named in `to`, with one `send-to`.

use switchboard_guest::{Error, Request, handler, socket};

#[handler]
fn fan_out(req: Request) -> Result<(), Error> {
    let users: Vec<&str> = req.json()["to"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|user| user.as_str())
        .collect();
    socket::to(&users).send(req.json().clone())
}
