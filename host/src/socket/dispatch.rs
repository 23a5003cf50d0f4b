//! One message's way from frame to handler: route, decode, logging hooks,
//! the call, and errors back to the sender.

use super::codec::{self, Frame};
use crate::app::Routed;
use crate::app::logging;
use crate::app::routing::Resolved;
use crate::context::Services;
use crate::metrics::{Metrics, Refusal, Source};
use crate::runtime::bindings::types::{Request, User};
use crate::runtime::{CallError, CallRecord, CallScope, Component};
use std::sync::Arc;
use tracing::Instrument;

/// The connection a frame came from, as its calls see it: the scope they
/// act in (its user, its own queue) and the user with their claims.
/// Built once, when the connection registers.
pub struct Caller {
    pub scope: CallScope,
    pub user: Option<Arc<User>>,
}

impl Caller {
    /// Answers the connection with `{"error": reason}`, straight to its
    /// queue.
    fn reply_error(&self, metrics: &Metrics, reason: &str) {
        let queued = self.scope.reply(codec::error_reply(reason));
        metrics.sent(Source::Host, false, usize::from(queued));
    }
}

/// Routes one frame, calls its handler, and answers failures with
/// `{"error": reason}` on the caller's connection.
pub async fn handle_frame(services: &Arc<Services>, caller: &Caller, frame: Frame) {
    let app = services.app.load_full();
    let runtime = &services.runtime;
    let scope = &caller.scope;
    let parsed = app.routes.needs_fields().then(|| frame.parse_json());
    let resolved = app.routes.resolve(codec::fields(parsed.as_ref()));
    // Routing is done with the frame's text; keep only whether it was JSON.
    let checked = parsed.map(|parsed| parsed.map(drop));
    let Some(Resolved {
        route,
        target: Routed { component, hooks },
        params,
    }) = resolved
    else {
        let error = "no handler for this message";
        if matches!(checked, Some(Err(_))) {
            services.metrics.refused(Refusal::BadJson);
        }
        caller.reply_error(&services.metrics, error);
        return logging::error(runtime, &app.root_hooks, scope, error, None).await;
    };
    let data = match codec::decode(frame, component.options.data_type, checked) {
        Ok(data) => data,
        Err(err) => {
            services.metrics.refused(match err {
                codec::DecodeError::Json(_) => Refusal::BadJson,
                codec::DecodeError::NotUtf8 => Refusal::BadUtf8,
            });
            let error = err.to_string();
            caller.reply_error(&services.metrics, &error);
            return logging::error(runtime, hooks, scope, &error, None).await;
        }
    };
    let connection = scope.connection_id().map(|id| id.to_string());
    let request = Request {
        connection: connection.unwrap_or_default(),
        data,
        request_id: services.node.next_id('r'),
        user: caller.user.as_deref().cloned(),
        params,
    };
    let span = tracing::info_span!("call", route = %route, request = %request.request_id);
    let scope = (scope.clone())
        .recording_sent(hooks.records_sent())
        .with_params(request.params.clone());
    async {
        logging::message_received(runtime, hooks, &scope, &route.name, &request).await;
        let (result, record) = call(services, component, scope.clone(), &request).await;
        if let Err(err) = &result {
            caller.reply_error(&services.metrics, &err.to_string());
        }
        if record.sent.is_empty() && result.is_ok() {
            return;
        }
        // Logging runs after delivery and off the connection's path.
        let (runtime, hooks, request) = (runtime.clone(), hooks.clone(), request);
        let follow_up = async move {
            if !record.sent.is_empty() {
                logging::messages_sent(&runtime, &hooks, &scope, record.sent).await;
            }
            if let Err(err) = result {
                logging::error(&runtime, &hooks, &scope, &err.to_string(), Some(&request)).await;
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
    services: &Services,
    component: &Component,
    scope: CallScope,
    request: &Request,
) -> (Result<(), CallError>, CallRecord) {
    #[cfg(feature = "bench-native")]
    if services.settings.bench_native_handlers {
        return super::bench_native::handle(component, scope, request).await;
    }
    services.runtime.handle(component, scope, request).await
}
