//! `{"action": "online", "users": ["ann", "bob"]}`: who of them is online.

use switchboard_guest::{Request, Value, handler, json, serde_json, socket};

#[handler]
fn online(req: Request) -> Result<(), String> {
    let users = req.json()["users"].as_array().ok_or("list the users to ask about")?;
    let status: serde_json::Map<String, Value> = users
        .iter()
        .filter_map(Value::as_str)
        .map(|user| (user.to_owned(), Value::Bool(socket::is_online(user))))
        .collect();
    socket::send(json!({ "online": status })).map_err(|e| e.to_string())
}
