//! `GET /socket`: checks the upgrade request at the edge (sizes, origin,
//! connection caps), authenticates it, registers the connection, and
//! hands the socket to its task.

use super::connection::{self, Lifecycle};
use crate::auth;
use crate::context::Services;
use crate::edge::Refused;
use crate::edge::limits::Slot;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use tracing::Instrument;

/// The head of an upgrade request, and where it came from.
pub struct UpgradeRequest {
    /// The TCP peer: the client, or a proxy in front of it.
    pub peer: SocketAddr,
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
}

/// Answers an upgrade request: `101` and a served connection, or a
/// refusal as `{"error": reason}`. Everything logged for the connection
/// is in a `client` span naming the client's address.
pub async fn upgrade(
    services: Arc<Services>,
    lifecycle: Lifecycle,
    ws: WebSocketUpgrade,
    request: UpgradeRequest,
) -> Response {
    let client = services.edge.client_ip(request.peer.ip(), &request.headers);
    let span = tracing::info_span!("client", ip = %client);
    let slot = match span.in_scope(|| services.edge.admit(client, &request.uri, &request.headers)) {
        Ok(slot) => slot,
        Err(refused) => {
            span.in_scope(
                || tracing::info!(status = %refused.status, "upgrade refused: {}", refused.reason),
            );
            return refused.into_response();
        }
    };
    // The peer's port means nothing when a proxy forwarded for the client.
    let remote = match client == request.peer.ip() {
        true => request.peer.to_string(),
        false => client.to_string(),
    };
    accept(services, lifecycle, ws, request, slot, remote)
        .instrument(span)
        .await
}

/// Authenticates and registers a connection that holds its `slot` until
/// it closes (or its upgrade fails).
async fn accept(
    services: Arc<Services>,
    lifecycle: Lifecycle,
    ws: WebSocketUpgrade,
    request: UpgradeRequest,
    slot: Slot,
    remote: String,
) -> Response {
    let app = services.app.load_full();
    let http = auth::http_request(&request.method, &request.uri, &request.headers);
    let jwt = services.jwt.as_ref();
    let user = match auth::authenticate(&services.runtime, jwt, services.scope(), &app, http).await
    {
        Ok(user) => user,
        Err(refusal) => {
            tracing::info!(status = %refusal.status, "upgrade refused: {}", refusal.reason);
            return refusal.into_response();
        }
    };
    let connections = &services.settings.connections;
    let ws = ws
        .max_message_size(connections.max_message_size)
        .max_frame_size(connections.max_message_size)
        .read_buffer_size(connections.read_buffer_size)
        .write_buffer_size(connections.write_buffer_size);
    match connection::register(services, user, remote).await {
        Ok(registration) => ws.on_upgrade(move |socket| async move {
            let _slot = slot;
            registration.serve(socket, lifecycle).await
        }),
        Err(err) => {
            tracing::error!("upgrade refused: cannot register the connection: {err}");
            Refused::new(StatusCode::SERVICE_UNAVAILABLE, err.to_string()).into_response()
        }
    }
}
