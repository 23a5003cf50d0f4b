//! One operation per message, chosen by its `op` field.

use std::time::Duration;
use switchboard_guest::queue::{self, PushOptions};
use switchboard_guest::{Error, Request, Value, handler, json, socket, store};

#[handler]
fn index(req: Request) -> Result<(), Error> {
    let message = req.json();
    match message["op"].as_str().unwrap_or_default() {
        "echo" => {
            let user = req.user.as_ref();
            socket::send(json!({
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
            socket::to(&users).send(message["message"].clone())?;
            socket::send(json!({ "sent_to": users.len() }))
        }
        "online" => {
            let user = message["user"].as_str().unwrap_or_default();
            socket::send(json!({ "user": user, "online": socket::is_online(user)? }))
        }
        "fail" => Err("failed on purpose".into()),
        "store" => {
            let key = message["key"].as_str().unwrap_or_default();
            store::set(key, message["value"].as_str().unwrap_or_default())?;
            socket::send(json!({ "stored": store::get(key)? }))
        }
        "members" => {
            let key = message["key"].as_str().unwrap_or_default();
            socket::send(json!({ "members": store::set_members(key)? }))
        }
        "store_error" => {
            // Over the host's 256-byte key limit: both calls must return
            // an error (not trap), whose text goes back unchanged.
            let key = "k".repeat(300);
            let get = store::get(&key).err().ok_or("get took a 300-byte key")?;
            let members = store::set_members(&key)
                .err()
                .ok_or("set-members took a 300-byte key")?;
            socket::send(json!({ "get": get.as_str(), "members": members.as_str() }))
        }
        "enqueue" => {
            let mut options = PushOptions::default();
            if let Some(key) = message["key"].as_str() {
                options = options.idempotency_key(key);
            }
            if let Some(delay) = message["delay_ms"].as_u64() {
                options = options.delay(Duration::from_millis(delay));
            }
            reply_to_push(queue::push_with("work", &message["payload"], options))
        }
        "enqueue_to" => {
            let name = message["queue"].as_str().unwrap_or_default();
            reply_to_push(queue::push(name, &json!({})))
        }
        "binary" => socket::send(vec![0u8, 1, 2, 255]),
        "text" => socket::send("plain text"),
        _ => Err("unknown op".into()),
    }
}

/// `{"queued": id}`, or `{"push_error": reason}`.
fn reply_to_push(pushed: Result<String, Error>) -> Result<(), Error> {
    match pushed {
        Ok(id) => socket::send(json!({ "queued": id })),
        Err(err) => socket::send(json!({ "push_error": err.as_str() })),
    }
}
