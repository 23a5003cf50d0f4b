//! The listener, the HTTP routes, and graceful shutdown.

use crate::app::App;
use crate::config::ServerConfig;
use crate::hub::{Hub, LocalHub, PresenceEvent};
use crate::jwt::JwtVerifier;
use crate::runtime::Runtime;
use crate::store::{AppStore, MemoryStore};
use crate::{admin, auth, connection, presence, reload};
use anyhow::Context;
use arc_swap::ArcSwap;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::{Json, Router};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// What every connection shares. Owned by the [`Server`]; each connection
/// holds an `Arc` clone.
pub struct Shared {
    pub runtime: Arc<Runtime>,
    pub hub: Arc<dyn Hub>,
    pub store: Arc<dyn AppStore>,
    /// The built-in JWT check, when configured.
    pub jwt: Option<JwtVerifier>,
    /// The current app; a reload swaps in a new one, and each message is
    /// routed by the one it loaded.
    pub app: ArcSwap<App>,
    pub config: ServerConfig,
}

/// A bound server, ready to [`run`](Server::run).
pub struct Server {
    listener: TcpListener,
    admin: Option<TcpListener>,
    shared: Arc<Shared>,
    presence: mpsc::UnboundedReceiver<PresenceEvent>,
}

/// Handed to every connection: a stop signal to watch, and a sender whose
/// drop tells shutdown the connection has finished.
#[derive(Clone)]
struct RouterState {
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
    done: mpsc::Sender<()>,
}

impl Server {
    /// Loads the app's components and binds the listener.
    pub async fn bind(config: ServerConfig) -> anyhow::Result<Server> {
        let runtime = Runtime::new(config.limits.clone(), config.cache_dir.clone())?;
        let app = App::load(&config.app_dir, &runtime).await?;
        if app.routes.is_empty() {
            tracing::warn!(
                "no handlers in {}/socket; every message will get an error",
                config.app_dir.display()
            );
        }
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let admin = match config.admin_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr} for admin routes"))?,
            ),
            None => None,
        };
        let jwt = config.jwt.as_ref().map(JwtVerifier::new).transpose()?;
        let (presence_events, presence) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            runtime,
            hub: Arc::new(LocalHub::with_presence(presence_events)),
            store: Arc::new(MemoryStore::new()),
            jwt,
            app: ArcSwap::from_pointee(app),
            config,
        });
        Ok(Server {
            listener,
            admin,
            shared,
            presence,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The admin listener's address, if admin routes are on.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Serves until `shutdown` resolves, then closes every connection with
    /// 1001 and waits up to the configured grace period for them.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop) = watch::channel(false);
        let (done, mut all_done) = mpsc::channel::<()>(1);
        let grace = self.shared.config.shutdown_grace;
        tokio::spawn(presence::dispatch(self.shared.clone(), self.presence));
        let _hot_reload = match self.shared.config.watch {
            true => Some(reload::watch(self.shared.clone())?),
            false => None,
        };
        if let Some(listener) = self.admin {
            tracing::info!(addr = %listener.local_addr()?, "admin routes listening");
            let mut stopped = stop.clone();
            let admin = axum::serve(listener, admin::router(self.shared.clone()))
                .with_graceful_shutdown(async move {
                    let _ = stopped.changed().await;
                });
            tokio::spawn(async move { admin.await });
        }
        let router = router(RouterState {
            shared: self.shared,
            stop,
            done,
        });
        tracing::info!(addr = %self.listener.local_addr()?, "listening");
        // Replies are small and written once per batch; Nagle's algorithm
        // would hold them back waiting for an ACK.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!("cannot set TCP_NODELAY: {err}");
            }
        });
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                shutdown.await;
                tracing::info!("shutting down");
                let _ = stop_tx.send(true);
            })
            .await?;
        if tokio::time::timeout(grace, all_done.recv()).await.is_err() {
            tracing::warn!("connections still open after {grace:?}; exiting anyway");
        }
        Ok(())
    }
}

/// Every HTTP route of the server.
fn router(state: RouterState) -> Router {
    let public = state.shared.config.app_dir.join("public");
    let mut router = Router::new()
        .route("/socket", get(upgrade))
        .route("/healthz", get(|| async { "ok" }));
    if public.is_dir() {
        router = router.fallback_service(tower_http::services::ServeDir::new(public));
    }
    router.with_state(state)
}

/// Authenticates the upgrade request, then hands the socket to a
/// connection task.
async fn upgrade(
    State(state): State<RouterState>,
    ws: WebSocketUpgrade,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let shared = state.shared.clone();
    let app = shared.app.load_full();
    let request = auth::http_request(&method, &uri, &headers);
    let user = match auth::authenticate(&shared, &app, request).await {
        Ok(user) => user,
        Err(refusal) => {
            tracing::info!(status = %refusal.status, "upgrade refused: {}", refusal.reason);
            let body = Json(serde_json::json!({ "error": refusal.reason }));
            return (refusal.status, body).into_response();
        }
    };
    let config = &shared.config;
    let ws = ws
        .max_message_size(config.max_message_size)
        .max_frame_size(config.max_message_size)
        .read_buffer_size(config.read_buffer_size)
        .write_buffer_size(config.write_buffer_size);
    let registration = connection::register(shared, user).await;
    ws.on_upgrade(move |socket| registration.serve(socket, state.stop, state.done))
}
