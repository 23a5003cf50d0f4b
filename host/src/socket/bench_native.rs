//! Native Rust stand-ins for the benchmark app's handlers (`bench/app`),
//! so the benchmark can tell the cost of running a component from the
//! cost of everything around it.
//!
//! Only built with the `bench-native` feature, and only used when the
//! server is started with `--bench-native-handlers`. Routing, decoding,
//! middleware, the hub, the queues and the sockets are the same as for
//! components; only the call itself is replaced. Handlers are chosen by
//! the file name of the component the message was routed to, so the app's
//! `.wasm` files must still be present.

use crate::runtime::bindings::types::{Data, Request};
use crate::runtime::{CallError, CallRecord, CallScope, Component, encode};

/// Runs the native counterpart of `component` for `request`.
pub async fn handle(
    component: &Component,
    scope: CallScope,
    request: &Request,
) -> (Result<(), CallError>, CallRecord) {
    let result = match &*component.name {
        "index.wasm" => echo(&scope, request.data.clone()).await,
        "action_fanout.wasm" => fan_out(&scope, &request.data).await,
        other => Err(CallError::Guest(format!("{other} has no native handler"))),
    };
    (result, CallRecord::default())
}

/// `index`: sends the frame back as it came, like `socket::send`.
async fn echo(scope: &CallScope, data: Data) -> Result<(), CallError> {
    let message = encode(data).map_err(|err| CallError::Guest(err.to_string()))?;
    match &scope.user {
        Some(user) => {
            let users = std::slice::from_ref(user);
            let sent = scope.hub.send_to_users(users, message).await;
            sent.map_err(|err| CallError::Guest(err.to_string()))?;
        }
        None if scope.connection.is_some() => {
            scope.reply(message);
        }
        None => return Err(CallError::Guest("send: no one to reply to".into())),
    }
    Ok(())
}

/// `{"action": "fanout", "to": [users], ...}`: the whole message to every
/// user named in `to`, with one `send-to`.
async fn fan_out(scope: &CallScope, data: &Data) -> Result<(), CallError> {
    let Data::Json(text) = data else {
        return Err(CallError::Guest("fanout takes JSON".into()));
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| CallError::Guest(err.to_string()))?;
    let users: Vec<String> = value["to"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|user| user.as_str().map(str::to_owned))
        .collect();
    let message =
        encode(Data::Json(text.clone())).map_err(|err| CallError::Guest(err.to_string()))?;
    let sent = scope.hub.send_to_users(&users, message).await;
    sent.map_err(|err| CallError::Guest(err.to_string()))?;
    Ok(())
}
