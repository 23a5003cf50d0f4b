//! The admin routes of the job queue: each queue's counts, and the dead
//! letters, which can be listed, queued again or dropped.

use super::error;
use crate::backend::BackendError;
use crate::backend::jobs::{QueueStats, now_ms};
use crate::context::Services;
use axum::Json;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

/// The 404 of the job routes on a server without a job queue.
fn no_queue() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "this server runs no job queue (the app has no queues/ or schedules/)",
    )
}

/// Each queue's counts: the backend's, and zeros for the app's queues
/// that hold no jobs.
pub async fn stats(services: &Services) -> Option<Result<Vec<QueueStats>, BackendError>> {
    let queues = services.queues.as_ref()?;
    let stats = queues.backend().stats(now_ms()).await.map(|mut stats| {
        for name in services.app.load().queues.keys() {
            if !stats.iter().any(|queue| &queue.queue == name) {
                stats.push(QueueStats {
                    queue: name.clone(),
                    ready: 0,
                    delayed: 0,
                    running: 0,
                    dead: 0,
                });
            }
        }
        stats.sort_by(|a, b| a.queue.cmp(&b.queue));
        stats
    });
    Some(stats)
}

pub async fn queues(State(services): State<Arc<Services>>) -> Response {
    let Some(stats) = stats(&services).await else {
        return no_queue();
    };
    match stats {
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

pub async fn dead(State(services): State<Arc<Services>>) -> Response {
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
                           "diedAt": job.died_at as f64 / 1000.0,
                           // Pushed payloads are JSON text; shown as JSON.
                           "payload": serde_json::from_str::<Value>(&job.payload)
                               .unwrap_or(Value::String(job.payload))})
                })
                .collect();
            Json(Value::Array(rows)).into_response()
        }
        Err(err) => error(StatusCode::SERVICE_UNAVAILABLE, err.to_string()),
    }
}

pub async fn requeue(
    State(services): State<Arc<Services>>,
    UrlPath(id): UrlPath<String>,
) -> Response {
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

pub async fn drop_dead(
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
