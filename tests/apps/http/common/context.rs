// Shared by the socket handlers: replies with what the call context says.
use switchboard_guest::{Error, Request, Value, context, handler, json, serde_json, socket};

#[handler]
fn handle(_req: Request) -> Result<(), Error> {
    let params: serde_json::Map<String, Value> = context::params()
        .into_iter()
        .map(|(name, value)| (name, Value::String(value)))
        .collect();
    socket::send(json!({
        "context": {
            "user": context::user().map(|user| user.id),
            "params": params,
        },
    }))
}
