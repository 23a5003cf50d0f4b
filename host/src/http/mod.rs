//! The HTTP trigger: `api/` handlers, called like socket handlers but
//! for HTTP requests ([`api`]), and the server send API that lets a
//! backend outside Wasm reach users ([`send`]).
//!
//! Depends on `context` (the services), `auth`, `edge`, `app` and
//! `runtime`.

pub mod api;
pub mod send;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// `{"error": reason}` with a status.
fn error(status: StatusCode, reason: impl Into<String>) -> Response {
    crate::edge::Refused::new(status, reason).into_response()
}

/// The JSON object of a request body, read strictly: it must come as
/// `application/json`, be an object (not an array that serde would read
/// as the struct's fields in order), and give no field as `null`. An
/// empty body is `None`. The error says what was expected.
pub fn json_object<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
    expected: &str,
) -> Result<Option<T>, String> {
    if body.is_empty() {
        return Ok(None);
    }
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        });
    if !json_type {
        return Err(format!(
            "expected {expected} with Content-Type: application/json"
        ));
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|err| format!("expected {expected}: {err}"))?;
    let Value::Object(fields) = &value else {
        return Err(format!("expected {expected}, a JSON object"));
    };
    if let Some((name, _)) = fields.iter().find(|(_, value)| value.is_null()) {
        return Err(format!(
            "expected {expected}: `{name}` is null; leave it out instead"
        ));
    }
    serde_json::from_value(value)
        .map(Some)
        .map_err(|err| format!("expected {expected}: {err}"))
}
