//! `GET /_switchboard/live`: the admin page's feed, a server-sent event
//! each second with the node's totals, for as long as the page reads it.

use crate::context::Services;
use crate::metrics::OUTCOMES;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::MissedTickBehavior;

/// Feeds open at once; the page needs one per viewer.
pub const MAX_FEEDS: usize = 32;
const EVERY: Duration = Duration::from_secs(1);

/// One snapshot of the node, as the page charts it.
pub fn snapshot(services: &Services) -> Value {
    let metrics = &services.metrics;
    let totals = metrics.totals();
    let calls: Map<String, Value> = OUTCOMES
        .iter()
        .zip(totals.calls)
        .map(|(outcome, count)| (outcome.to_string(), count.into()))
        .collect();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    json!({
        "time": now.as_secs_f64(),
        "node": services.node.as_str(),
        "connections": metrics.connections.get(),
        "usersOnline": metrics.users_online.get(),
        "messagesReceived": totals.received,
        "messagesSent": totals.sent,
        "calls": calls,
    })
}

/// The event stream, while fewer than [`MAX_FEEDS`] are open.
pub fn feed(services: Arc<Services>, feeds: &Arc<Semaphore>) -> Response {
    let Ok(permit) = feeds.clone().try_acquire_owned() else {
        let reason = format!("at most {MAX_FEEDS} live feeds at once");
        return super::error(StatusCode::SERVICE_UNAVAILABLE, reason);
    };
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let state = (services, ticks, permit);
    let events = futures_util::stream::unfold(state, |(services, mut ticks, permit)| async move {
        ticks.tick().await;
        let event = format!("data: {}\n\n", snapshot(&services));
        let next: (Arc<Services>, _, OwnedSemaphorePermit) = (services, ticks, permit);
        Some((Ok::<_, Infallible>(event), next))
    });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(events),
    )
        .into_response()
}
