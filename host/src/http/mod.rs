//! The HTTP trigger: `api/` handlers, called like socket handlers but
//! for HTTP requests ([`api`]), and the server send API that lets a
//! backend outside Wasm reach users ([`send`]).
//!
//! Depends on `context` (the services), `auth`, `edge`, `app` and
//! `runtime`.

pub mod api;
pub mod send;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// `{"error": reason}` with a status.
fn error(status: StatusCode, reason: impl Into<String>) -> Response {
    crate::edge::Refused::new(status, reason).into_response()
}
