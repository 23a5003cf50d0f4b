//! `send-to(users, message)`, then reports the outcome to the caller.
use switchboard_guest::{Error, Request, handler, json, socket};

#[handler]
fn handle(req: Request) -> Result<(), Error> {
    let users: Vec<String> = req.json()["users"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let outcome = match socket::to(&users).send(req.json()["message"].clone()) {
        Ok(()) => json!({ "sendTo": "ok" }),
        Err(err) => json!({ "sendTo": { "error": err.to_string() } }),
    };
    socket::send(outcome)
}
