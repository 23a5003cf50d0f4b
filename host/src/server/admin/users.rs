//! The admin routes of users and connections: who is online, their
//! connections, disconnecting them, and sending to them.

use super::error;
use crate::backend::Target;
use crate::context::Services;
use crate::http::send;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

/// The largest page of `GET /_switchboard/users`.
const MAX_PAGE: usize = 1000;
/// The longest close reason the protocol allows, in bytes.
const MAX_REASON: usize = 123;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    after: Option<String>,
    limit: Option<usize>,
}

/// `GET /_switchboard/users?after=ID&limit=N`: online users in id order.
pub async fn list(
    State(services): State<Arc<Services>>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return error(
            StatusCode::BAD_REQUEST,
            "expected ?after=USER&limit=N (N from 1 to 1000)",
        );
    };
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        let reason = format!("limit must be from 1 to {MAX_PAGE}, got {limit}");
        return error(StatusCode::BAD_REQUEST, reason);
    }
    match services.hub.users(query.after.as_deref(), limit).await {
        Ok(page) => {
            let next = (page.len() == limit)
                .then(|| page.last().map(|(user, _)| user.clone()))
                .flatten();
            let users: Vec<Value> = page
                .into_iter()
                .map(|(user, connections)| json!({"user": user, "connections": connections}))
                .collect();
            Json(json!({"users": users, "next": next})).into_response()
        }
        Err(err) => error(StatusCode::SERVICE_UNAVAILABLE, err.to_string()),
    }
}

/// `GET /_switchboard/users/{user}`: the user's open connections.
pub async fn show(State(services): State<Arc<Services>>, Path(user): Path<String>) -> Response {
    match services.hub.connections(&user).await {
        Ok(found) if found.is_empty() => {
            error(StatusCode::NOT_FOUND, format!("user {user} is not online"))
        }
        Ok(found) => {
            let connections: Vec<Value> = found
                .into_iter()
                .map(|info| {
                    let since = info.since.duration_since(UNIX_EPOCH).unwrap_or_default();
                    json!({"id": &*info.id, "node": info.node,
                           "since": since.as_secs_f64(), "remote": info.remote})
                })
                .collect();
            Json(json!({"user": user, "connections": connections})).into_response()
        }
        Err(err) => error(StatusCode::SERVICE_UNAVAILABLE, err.to_string()),
    }
}

/// The optional body of a disconnect.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disconnect {
    code: Option<u16>,
    reason: Option<String>,
}

impl Disconnect {
    /// The close code and reason, or why they cannot be sent.
    fn close_frame(self) -> Result<(u16, String), String> {
        let code = self.code.unwrap_or(1000);
        if code != 1000 && !(3000..=4999).contains(&code) {
            return Err(format!(
                "code must be 1000 or from 3000 to 4999 (the codes an application may send), got {code}"
            ));
        }
        let reason = (self.reason).unwrap_or_else(|| "disconnected by an operator".into());
        if reason.len() > MAX_REASON {
            return Err(format!(
                "reason is {} bytes; a close frame holds at most {MAX_REASON}",
                reason.len()
            ));
        }
        Ok((code, reason))
    }
}

/// The close frame of a disconnect's body (an empty body takes the
/// defaults), or why the body is refused.
fn close_frame(headers: &HeaderMap, body: &[u8]) -> Result<(u16, String), String> {
    let shape = "{\"code\": 4000, \"reason\": \"...\"} or no body";
    let request: Option<Disconnect> = crate::http::json_object(headers, body, shape)?;
    request.unwrap_or_default().close_frame()
}

/// `POST /_switchboard/users/{user}/disconnect`.
pub async fn disconnect_user(
    State(services): State<Arc<Services>>,
    Path(user): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let missing = format!("user {user} is not online");
    disconnect(&services, Target::User(&user), &headers, &body, missing).await
}

/// `POST /_switchboard/connections/{id}/disconnect`.
pub async fn disconnect_connection(
    State(services): State<Arc<Services>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let missing = format!("there is no connection {id}");
    disconnect(&services, Target::Connection(&id), &headers, &body, missing).await
}

/// Closes the target's connections with the body's close frame; 404 with
/// `missing` when there are none.
async fn disconnect(
    services: &Services,
    target: Target<'_>,
    headers: &HeaderMap,
    body: &[u8],
    missing: String,
) -> Response {
    let (code, reason) = match close_frame(headers, body) {
        Ok(frame) => frame,
        Err(reason) => return error(StatusCode::BAD_REQUEST, reason),
    };
    match services.hub.disconnect(target, code, &reason).await {
        Ok(0) => error(StatusCode::NOT_FOUND, missing),
        Ok(closed) => disconnected(closed, target, code),
        Err(err) => error(StatusCode::SERVICE_UNAVAILABLE, err.to_string()),
    }
}

fn disconnected(closed: usize, target: Target<'_>, code: u16) -> Response {
    tracing::info!(?target, code, connections = closed, "admin: disconnecting");
    Json(json!({"disconnected": closed})).into_response()
}

/// `POST /_switchboard/send`: the send API's body and answer.
pub async fn send(
    State(services): State<Arc<Services>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    send::deliver(&services, &headers, &body).await
}
