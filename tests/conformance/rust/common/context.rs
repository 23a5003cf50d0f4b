// Shared by `action_context` and `[room]/action_context`: replies with
// the call context, `{"context": {"user": ID|null, "params": {...}}}`.
use switchboard_guest::{Error, Request, Value, context, handler, json, serde_json, socket};

#[handler]
fn reply_with_context(_req: Request) -> Result<(), Error> {
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
