//! One operation per message, chosen by its `op` field.

use switchboard_guest::{Request, Value, handler, json, socket, store};

#[handler]
fn index(req: Request) -> Result<(), String> {
    let message = req.json();
    match message["op"].as_str().unwrap_or_default() {
        "echo" => {
            let user = req.user.as_ref();
            reply(json!({
                "echo": message,
                "user": user.map(|u| u.id.as_str()),
                "claims": user.and_then(|u| u.claims.clone()),
            }))
        }
        "send_to" => {
            let users: Vec<&str> = message["users"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            socket::to(&users)
                .send(message["message"].clone())
                .map_err(|e| e.to_string())?;
            reply(json!({ "sent_to": users.len() }))
        }
        "online" => {
            let user = message["user"].as_str().unwrap_or_default();
            reply(json!({ "user": user, "online": socket::is_online(user) }))
        }
        "fail" => Err("failed on purpose".into()),
        "store" => {
            let key = message["key"].as_str().unwrap_or_default();
            store::set(key, message["value"].as_str().unwrap_or_default())?;
            reply(json!({ "stored": store::get(key) }))
        }
        "members" => {
            let key = message["key"].as_str().unwrap_or_default();
            reply(json!({ "members": store::set_members(key) }))
        }
        "binary" => socket::send(vec![0u8, 1, 2, 255]).map_err(|e| e.to_string()),
        "text" => socket::send("plain text").map_err(|e| e.to_string()),
        _ => Err("unknown op".into()),
    }
}

fn reply(value: Value) -> Result<(), String> {
    socket::send(value).map_err(|e| e.to_string())
}
