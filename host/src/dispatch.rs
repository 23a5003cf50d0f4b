//! One message's way from frame to handler: route, decode, logging hooks,
//! the call, and errors back to the sender.

use crate::app::Routed;
use crate::codec::{self, Frame};
use crate::hub::ConnectionId;
use crate::middleware;
use crate::routing::Resolved;
use crate::runtime::bindings::types::{Request, User};
use crate::runtime::{CallError, CallRecord, CallScope, Component};
use crate::server::Shared;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tracing::Instrument;

/// The connection a frame came from.
pub struct Sender {
    pub connection: ConnectionId,
    pub user: Option<User>,
}

/// Routes one frame, calls its handler, and answers failures with
/// `{"error": reason}` on the sender's connection.
pub async fn dispatch(shared: &Arc<Shared>, sender: &Sender, frame: Frame) {
    let app = shared.app.load_full();
    let scope = CallScope::new(shared.hub.clone(), shared.store.clone()).for_connection(
        sender.connection.clone(),
        sender.user.as_ref().map(|u| u.id.clone()),
    );
    let parsed = app.routes.needs_fields().then(|| frame.parse_json());
    let Some(Resolved {
        route,
        target: Routed { component, hooks },
        params,
    }) = app.routes.resolve(codec::fields(parsed.as_ref()))
    else {
        let error = "no handler for this message";
        reply_error(shared, sender, error).await;
        return middleware::error(shared, &app.root_hooks, &scope, error, None).await;
    };
    let data = match codec::decode(frame, component.config.data_type, parsed) {
        Ok(data) => data,
        Err(err) => {
            let error = err.to_string();
            reply_error(shared, sender, &error).await;
            return middleware::error(shared, hooks, &scope, &error, None).await;
        }
    };
    let request = Request {
        connection: sender.connection.to_string(),
        data,
        request_id: next_id('r'),
        user: sender.user.clone(),
        params,
    };
    let span = tracing::info_span!("call", route = %route, request = %request.request_id);
    let scope = scope.recording_sent(hooks.records_sent());
    async {
        middleware::message_received(shared, hooks, &scope, &route.name, &request).await;
        let (result, record) = call(shared, component, scope.clone(), &request).await;
        if let Err(err) = &result {
            reply_error(shared, sender, &err.to_string()).await;
        }
        if record.sent.is_empty() && result.is_ok() {
            return;
        }
        // Logging runs after delivery and off the connection's path.
        let (shared, hooks, request) = (shared.clone(), hooks.clone(), request);
        let follow_up = async move {
            if !record.sent.is_empty() {
                middleware::messages_sent(&shared, &hooks, &scope, record.sent).await;
            }
            if let Err(err) = result {
                middleware::error(&shared, &hooks, &scope, &err.to_string(), Some(&request)).await;
            }
        };
        tokio::spawn(follow_up.in_current_span());
    }
    .instrument(span)
    .await
}

/// Runs the handler: the component, or its native stand-in when the
/// benchmark asked for one.
async fn call(
    shared: &Shared,
    component: &Component,
    scope: CallScope,
    request: &Request,
) -> (Result<(), CallError>, CallRecord) {
    #[cfg(feature = "bench-native")]
    if shared.config.bench_native_handlers {
        return crate::bench_native::handle(component, scope, request).await;
    }
    shared.runtime.handle(component, scope, request).await
}

async fn reply_error(shared: &Shared, sender: &Sender, reason: &str) {
    shared
        .hub
        .send_to_connection(&sender.connection, codec::error_reply(reason))
        .await;
}

/// Ids unique across restarts: a per-process prefix from the start time
/// and a counter.
pub fn next_id(kind: char) -> String {
    static PREFIX: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        format!("{:x}", nanos & 0xffff_ffff_ffff)
    });
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("{kind}{}-{}", *PREFIX, NEXT.fetch_add(1, Ordering::Relaxed))
}
