//! Every route of the main listener, in one place.

use crate::context::Services;
use crate::http::{self, send};
use crate::socket::connection::Lifecycle;
use crate::socket::upgrade;
use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::{any, get, post};
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Clone)]
struct RouterState {
    services: Arc<Services>,
    lifecycle: Lifecycle,
}

/// `/socket`, `/api/...`, the send API, `/healthz`, and the app's
/// `public/` folder if it has one.
pub fn router(services: Arc<Services>, lifecycle: Lifecycle) -> Router {
    let public = services.app_dir.join("public");
    let send_api = Router::new()
        .route("/_switchboard/send", post(send::send))
        .route("/_switchboard/online", get(send::online))
        .with_state(services.clone());
    let mut router = Router::new()
        .route("/socket", get(socket))
        .route("/api", any(api))
        .route("/api/{*rest}", any(api))
        .route("/healthz", get(|| async { "ok" }))
        .merge(send_api);
    if public.is_dir() {
        router = router.fallback_service(tower_http::services::ServeDir::new(public));
    }
    router.with_state(RouterState {
        services,
        lifecycle,
    })
}

async fn socket(
    State(state): State<RouterState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ws: WebSocketUpgrade,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let request = upgrade::UpgradeRequest {
        peer,
        method,
        uri,
        headers,
    };
    upgrade::upgrade(state.services, state.lifecycle, ws, request).await
}

async fn api(
    State(state): State<RouterState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    http::api::serve(state.services, peer, request).await
}
