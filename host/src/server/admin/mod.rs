//! Admin routes, served on their own listener (off unless `--admin ADDR`
//! is given). With `--admin-token`, every route but the page (`/`),
//! `/healthz` and `/readyz` requires `Authorization: Bearer TOKEN` (401
//! otherwise); without one, the listener must be on a loopback address.
//! `/_switchboard/openapi.json` describes every route.
//!
//! - `GET /`: the admin page; `GET /_switchboard/live` its feed.
//! - `GET /healthz`: 200 while the process serves; `GET /readyz`: 200, or
//!   503 once the server is stopping.
//! - `GET /metrics`: Prometheus's text format (see [`crate::metrics`]).
//! - `users`: who is online, their connections, disconnecting them, and
//!   `POST /_switchboard/send`.
//! - `queues`: each queue's jobs by state, and the dead letters.
//!
//! `GET /_switchboard/components` lists the loaded components (an `api/`
//! handler's route is its URL path, such as `/api/users/:id`):
//!
//! ```json
//! [{"file": "index.wasm", "route": "index", "hash": "…", "loadedAt": 1764240000.5,
//!   "exports": ["handler"], "config": {"dataType": "json", "timeoutSeconds": null}}]
//! ```

mod live;
mod queues;
mod users;

use crate::app::check;
use crate::context::Services;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::UNIX_EPOCH;
use tokio::sync::Semaphore;

/// The admin page: one file, no build step.
const PAGE: &str = include_str!("page.html");
/// The OpenAPI 3 document of every admin route.
const OPENAPI: &str = include_str!("openapi.json");

/// Every admin route.
pub fn router(services: Arc<Services>) -> Router {
    let feeds = Arc::new(Semaphore::new(live::MAX_FEEDS));
    let guarded = Router::new()
        .route("/metrics", get(metrics))
        .route("/_switchboard/openapi.json", get(openapi))
        .route(
            "/_switchboard/live",
            get(move |State(services): State<Arc<Services>>| async move {
                live::feed(services, &feeds)
            }),
        )
        .route("/_switchboard/components", get(components))
        .route("/_switchboard/users", get(users::list))
        .route("/_switchboard/users/{user}", get(users::show))
        .route(
            "/_switchboard/users/{user}/disconnect",
            post(users::disconnect_user),
        )
        .route(
            "/_switchboard/connections/{id}/disconnect",
            post(users::disconnect_connection),
        )
        .route("/_switchboard/send", post(users::send))
        .route("/_switchboard/queues", get(queues::queues))
        .route("/_switchboard/dead", get(queues::dead))
        .route("/_switchboard/dead/{id}/requeue", post(queues::requeue))
        .route("/_switchboard/dead/{id}", delete(queues::drop_dead))
        .route_layer(middleware::from_fn_with_state(
            services.clone(),
            require_token,
        ));
    Router::new()
        .route("/", get(page))
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .merge(guarded)
        .with_state(services)
}

/// The page holds a bearer token: nothing caches it, and no other site
/// may frame it.
async fn page() -> Response {
    let headers = [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    (headers, Html(PAGE)).into_response()
}

/// 200 while the node can do its work; 503 with the reason while its
/// backends cannot (a cluster node that cannot reach Redis, or whose
/// subscription went silent).
async fn health(State(services): State<Arc<Services>>) -> Response {
    match services.hub.trouble() {
        Some(trouble) => (StatusCode::SERVICE_UNAVAILABLE, trouble).into_response(),
        None => "ok".into_response(),
    }
}

/// 200 while serving; 503 from the moment the server starts to stop, so
/// that load balancers send no one new, and while the node is unhealthy.
async fn ready(State(services): State<Arc<Services>>) -> Response {
    if services.is_stopping() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining").into_response();
    }
    match services.hub.trouble() {
        Some(trouble) => (StatusCode::SERVICE_UNAVAILABLE, trouble).into_response(),
        None => "ready".into_response(),
    }
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// The metrics, with the store's and the queues' sizes read now.
async fn metrics(State(services): State<Arc<Services>>, headers: HeaderMap) -> Response {
    let metrics = &services.metrics;
    if !metrics.is_on() {
        return error(
            StatusCode::NOT_FOUND,
            "metrics are off; start the server without --no-metrics",
        );
    }
    match services.store.usage().await {
        Ok(usage) => {
            metrics.store_keys.set(usage.keys as i64);
            metrics.store_bytes.set(usage.bytes as i64);
        }
        Err(err) => tracing::warn!(%err, "metrics: cannot read the store's size"),
    }
    let warm = services.runtime.warm_usage();
    metrics.warm_instances.set(warm.instances as i64);
    metrics.warm_memory.set(warm.bytes as i64);
    if let Some(stats) = queues::stats(&services).await {
        match stats {
            Ok(stats) => {
                for queue in stats {
                    let name = &queue.queue;
                    metrics.queue_depth(name, "ready", queue.ready);
                    metrics.queue_depth(name, "delayed", queue.delayed);
                    metrics.queue_depth(name, "running", queue.running);
                    metrics.queue_depth(name, "dead", queue.dead);
                }
            }
            Err(err) => tracing::warn!(%err, "metrics: cannot read the queues"),
        }
    }
    let openmetrics = headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("application/openmetrics-text"));
    let (content_type, text) = match openmetrics {
        true => (
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            metrics.render_openmetrics(),
        ),
        false => ("text/plain; version=0.0.4; charset=utf-8", metrics.render()),
    };
    ([(header::CONTENT_TYPE, content_type)], text).into_response()
}

/// Lets a request through if it carries the admin token, or if there is
/// none (the listener is then on loopback).
async fn require_token(
    State(services): State<Arc<Services>>,
    request: Request,
    next: Next,
) -> Response {
    match &services.settings.listen.admin_token {
        Some(token) if !crate::edge::bearer_matches(request.headers(), token) => {
            let body = Json(json!({"error": "missing or wrong admin token"}));
            (
                StatusCode::UNAUTHORIZED,
                [("www-authenticate", "Bearer")],
                body,
            )
                .into_response()
        }
        _ => next.run(request).await,
    }
}

pub(super) fn error(status: StatusCode, reason: impl Into<String>) -> Response {
    (status, Json(json!({"error": reason.into()}))).into_response()
}

async fn components(State(services): State<Arc<Services>>) -> Json<Value> {
    let app = services.app.load();
    let list: Vec<Value> = app
        .components
        .iter()
        .map(|(file, component)| {
            let loaded_at = component
                .loaded_at
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs_f64();
            let mut config = json!({
                "dataType": component.options.data_type_name(),
                "timeoutSeconds": component.options.timeout.map(|t| t.as_secs()),
                "instances": component.options.instances_name(),
            });
            if let Some(job) = component.job_options {
                config = json!({
                    "concurrency": job.concurrency,
                    "maxAttempts": job.max_attempts,
                    "timeoutSeconds": job.timeout.map(|t| t.as_secs()),
                });
            }
            if let Some(schedule) = &component.schedule_options {
                config = json!({
                    "cron": schedule.expression,
                    "timezone": schedule.timezone.name(),
                    "timeoutSeconds": schedule.timeout.map(|t| t.as_secs()),
                });
            }
            json!({
                "file": file,
                "route": check::route_name(file),
                "hash": component.hash,
                "loadedAt": loaded_at,
                "exports": component.exports.names(),
                "config": config,
                "warm": component.warm_usage().map(|usage| json!({
                    "idle": usage.instances,
                    "memoryBytes": usage.bytes,
                })),
            })
        })
        .collect();
    Json(Value::Array(list))
}
