//! Admin routes, served on their own listener (off unless `--admin ADDR`
//! is given). With `--admin-token`, every route but `/healthz` and
//! `/readyz` requires `Authorization: Bearer TOKEN` (401 otherwise);
//! without one, the listener must be on a loopback address.
//!
//! - `GET /healthz`, `GET /readyz`: 200 while serving.
//! - `GET /_switchboard/queues`: each queue's jobs by state.
//! - `GET /_switchboard/dead`: the dead letters; `POST
//!   /_switchboard/dead/{id}/requeue` queues one again, `DELETE
//!   /_switchboard/dead/{id}` drops it (404 for no such dead job).
//!
//! `GET /_switchboard/components` lists the loaded components (an `api/`
//! handler's route is its URL path, such as `/api/users/:id`):
//!
//! ```json
//! [{"file": "index.wasm", "route": "index", "hash": "…", "loadedAt": 1764240000.5,
//!   "exports": ["handler"], "config": {"dataType": "json", "timeoutSeconds": null}}]
//! ```

use crate::app::check;
use crate::backend::jobs::now_ms;
use crate::context::Services;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

/// Every admin route.
pub fn router(services: Arc<Services>) -> Router {
    let guarded = Router::new()
        .route("/_switchboard/components", get(components))
        .route("/_switchboard/queues", get(queues))
        .route("/_switchboard/dead", get(dead))
        .route("/_switchboard/dead/{id}/requeue", post(requeue))
        .route("/_switchboard/dead/{id}", delete(drop_dead))
        .route_layer(middleware::from_fn_with_state(
            services.clone(),
            require_token,
        ));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ready" }))
        .merge(guarded)
        .with_state(services)
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

fn error(status: StatusCode, reason: impl Into<String>) -> Response {
    (status, Json(json!({"error": reason.into()}))).into_response()
}

/// The 404 of the job routes on a server without a job queue.
fn no_queue() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "this server runs no job queue (the app has no queues/ or schedules/)",
    )
}

async fn queues(State(services): State<Arc<Services>>) -> Response {
    let Some(queues) = services.queues.as_ref() else {
        return no_queue();
    };
    match queues.backend().stats(now_ms()).await {
        Ok(stats) => {
            let rows: Vec<Value> = stats
                .into_iter()
                .map(|q| {
                    json!({"queue": q.queue, "ready": q.ready, "delayed": q.delayed,
                           "running": q.running, "dead": q.dead})
                })
                .collect();
            Json(Value::Array(rows)).into_response()
        }
        Err(err) => error(StatusCode::SERVICE_UNAVAILABLE, err.to_string()),
    }
}

async fn dead(State(services): State<Arc<Services>>) -> Response {
    let Some(queues) = services.queues.as_ref() else {
        return no_queue();
    };
    match queues.backend().dead(1000).await {
        Ok(jobs) => {
            let rows: Vec<Value> = jobs
                .into_iter()
                .map(|job| {
                    json!({"id": job.id, "queue": job.queue, "user": job.user,
                           "attempts": job.attempts, "error": job.error,
                           "diedAt": job.died_at as f64 / 1000.0, "payload": job.payload})
                })
                .collect();
            Json(Value::Array(rows)).into_response()
        }
        Err(err) => error(StatusCode::SERVICE_UNAVAILABLE, err.to_string()),
    }
}

async fn requeue(State(services): State<Arc<Services>>, UrlPath(id): UrlPath<String>) -> Response {
    let Some(queues) = services.queues.as_ref() else {
        return no_queue();
    };
    match queues.backend().requeue_dead(&id, now_ms()).await {
        // The queue's worker looks again within a second.
        Ok(true) => Json(json!({"requeued": id})).into_response(),
        Ok(false) => error(StatusCode::NOT_FOUND, format!("there is no dead job {id}")),
        Err(err) => error(StatusCode::SERVICE_UNAVAILABLE, err.to_string()),
    }
}

async fn drop_dead(
    State(services): State<Arc<Services>>,
    UrlPath(id): UrlPath<String>,
) -> Response {
    let Some(queues) = services.queues.as_ref() else {
        return no_queue();
    };
    match queues.backend().drop_dead(&id).await {
        Ok(true) => Json(json!({"dropped": id})).into_response(),
        Ok(false) => error(StatusCode::NOT_FOUND, format!("there is no dead job {id}")),
        Err(err) => error(StatusCode::SERVICE_UNAVAILABLE, err.to_string()),
    }
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
            })
        })
        .collect();
    Json(Value::Array(list))
}
