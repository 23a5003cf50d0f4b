//! `{"action": "online", "users": ["ann", "bob"]}`: who of them is online.

use switchboard_guest::{Error, Request, Value, handler, json, serde_json, socket};

#[handler]
fn online(req: Request) -> Result<(), Error> {
    let users = req.json()["users"]
        .as_array()
        .ok_or("list the users to ask about")?;
    let status = users
        .iter()
        .filter_map(Value::as_str)
        .map(|user| Ok((user.to_owned(), Value::Bool(socket::is_online(user)?))))
        .collect::<Result<serde_json::Map<String, Value>, Error>>()?;
    socket::send(json!({ "online": status }))
}
