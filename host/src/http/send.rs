//! The server send API, for an app's backend written in anything:
//!
//! - `POST /_switchboard/send` with `{"users": ["alice", ...], "message": M}`
//!   sends `M` to every open connection of each user (at most 100) and
//!   answers `{"delivered": N}`, the connections it reached. A string `M`
//!   goes out as a text frame as it is, `{"binary": "<base64>"}` as a
//!   binary frame, and any other JSON value as JSON text.
//! - `GET /_switchboard/online?user=ID` answers `{"online": true|false}`.
//!
//! Both need `Authorization: Bearer <api-key>`; without `--api-key` they
//! are off (404). Keys are compared in constant time.

use super::error;
use crate::backend::Outbound;
use crate::context::Services;
use crate::metrics::Source;
use crate::runtime::MAX_RECIPIENTS;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// The body of `POST /_switchboard/send`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    users: Vec<String>,
    message: Value,
}

#[derive(Debug, Deserialize)]
pub struct OnlineQuery {
    user: String,
}

/// The refusal of a request without the right key: 404 while the API is
/// off, 401 for a missing or wrong key; `None` lets it through.
fn refusal(services: &Services, headers: &HeaderMap) -> Option<Response> {
    let Some(key) = &services.settings.http.api_key else {
        let reason = "the send API is off; start the server with --api-key to turn it on";
        return Some(error(StatusCode::NOT_FOUND, reason));
    };
    match crate::edge::bearer_matches(headers, key) {
        true => None,
        false => {
            let mut refused = error(StatusCode::UNAUTHORIZED, "missing or wrong API key");
            refused
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, "Bearer".parse().unwrap());
            Some(refused)
        }
    }
}

/// The frame a message of the send API becomes.
fn frame(message: Value) -> Result<Outbound, String> {
    match message {
        Value::String(text) => Ok(Outbound::Text(text.into())),
        Value::Object(fields) if fields.len() == 1 && fields.contains_key("binary") => {
            let Some(Value::String(encoded)) = fields.get("binary") else {
                return Err("`binary` must be a base64 string".into());
            };
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map(|bytes| Outbound::Binary(bytes.into()))
                .map_err(|err| format!("`binary` is not valid base64: {err}"))
        }
        other => Ok(Outbound::Text(other.to_string().into())),
    }
}

/// The shape of a send's body, for errors.
const SEND_SHAPE: &str = "{\"users\": [...], \"message\": ...}";

pub async fn send(
    State(services): State<Arc<Services>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = refusal(&services, &headers) {
        return refused;
    }
    deliver(&services, &headers, &body).await
}

/// Checks a send's body and sends it: `{"delivered": N}`, or 400 with the
/// reason. The send API and the admin API both answer with it.
pub async fn deliver(services: &Services, headers: &HeaderMap, body: &[u8]) -> Response {
    let request: SendRequest = match super::json_object(headers, body, SEND_SHAPE) {
        Ok(Some(request)) => request,
        Ok(None) => return error(StatusCode::BAD_REQUEST, format!("expected {SEND_SHAPE}")),
        Err(reason) => return error(StatusCode::BAD_REQUEST, reason),
    };
    if request.users.is_empty() {
        return error(StatusCode::BAD_REQUEST, "name at least one user in `users`");
    }
    if request.users.len() > MAX_RECIPIENTS {
        let reason = format!(
            "at most {MAX_RECIPIENTS} users per send, got {}; nothing was sent",
            request.users.len()
        );
        return error(StatusCode::BAD_REQUEST, reason);
    }
    let message = match frame(request.message) {
        Ok(message) => message,
        Err(reason) => return error(StatusCode::BAD_REQUEST, reason),
    };
    let binary = matches!(message, Outbound::Binary(_));
    match services.hub.send_to_users(&request.users, message).await {
        Ok(delivered) => {
            (services.metrics).sent(Source::Api, binary, delivered);
            Json(json!({ "delivered": delivered })).into_response()
        }
        Err(err) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("send failed: {err}"),
        ),
    }
}

pub async fn online(
    State(services): State<Arc<Services>>,
    headers: HeaderMap,
    query: Result<Query<OnlineQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Some(refused) = refusal(&services, &headers) {
        return refused;
    }
    let Ok(Query(query)) = query else {
        return error(StatusCode::BAD_REQUEST, "expected ?user=ID");
    };
    match services.hub.is_online(&query.user).await {
        Ok(online) => Json(json!({ "online": online })).into_response(),
        Err(err) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("is-online failed: {err}"),
        ),
    }
}
