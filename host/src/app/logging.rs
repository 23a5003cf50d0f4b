//! Logging middleware: which component (or the built-in default) runs
//! each logging hook for a route, and running them.
//!
//! For a handler at `a/b/x.wasm` the chain is `x.wasm` itself, then
//! `a/b/_middleware.wasm`, `a/_middleware.wasm` and `_middleware.wasm`.
//! For each hook the first component whose mode is not `inherit` decides;
//! if none does, the default runs. Messages not sent by a handler (from
//! presence hooks, for example) use the chain of `socket/index.wasm` and
//! `socket/_middleware.wasm`. A logging hook that fails is reported to
//! `on-error` (or, for `on-error` itself, to the log) and never changes
//! delivery.

use crate::runtime::bindings::types::{Data, HookMode, HookModes, Request, SentMessage};
use crate::runtime::{CallScope, Component, Runtime};
use std::sync::Arc;

/// Who runs one hook.
#[derive(Clone, Default)]
pub enum Hook {
    #[default]
    Default,
    Disabled,
    Component {
        component: Arc<Component>,
        /// Run the default as well (`wrap`).
        with_default: bool,
    },
}

/// The resolved logging hooks of one route.
#[derive(Clone, Default)]
pub struct RouteHooks {
    pub received: Hook,
    pub sent: Hook,
    pub error: Hook,
}

impl RouteHooks {
    /// Resolves each hook along `chain`, nearest component first.
    pub fn resolve(chain: &[&Arc<Component>]) -> RouteHooks {
        RouteHooks {
            received: resolve(chain, |m| m.message_received),
            sent: resolve(chain, |m| m.message_sent),
            error: resolve(chain, |m| m.error),
        }
    }

    /// True if sends must be recorded for an `on-messages-sent` component.
    pub fn records_sent(&self) -> bool {
        matches!(self.sent, Hook::Component { .. })
    }
}

fn resolve(chain: &[&Arc<Component>], mode: fn(&HookModes) -> HookMode) -> Hook {
    for component in chain {
        match component.hook_modes.as_ref().map(mode) {
            None | Some(HookMode::Inherit) => continue,
            Some(HookMode::Disable) => return Hook::Disabled,
            Some(HookMode::Handle) => {
                return Hook::Component {
                    component: (*component).clone(),
                    with_default: false,
                };
            }
            Some(HookMode::Wrap) => {
                return Hook::Component {
                    component: (*component).clone(),
                    with_default: true,
                };
            }
        }
    }
    Hook::Default
}

impl Hook {
    /// Whether the default runs, and the component that runs, if any.
    fn parts(&self) -> (bool, Option<&Arc<Component>>) {
        match self {
            Hook::Default => (true, None),
            Hook::Disabled => (false, None),
            Hook::Component {
                component,
                with_default,
            } => (*with_default, Some(component)),
        }
    }
}

/// Runs `on-message-received` for a request about to be handled.
pub async fn message_received(
    runtime: &Runtime,
    hooks: &RouteHooks,
    scope: &CallScope,
    route: &str,
    req: &Request,
) {
    let (default, component) = hooks.received.parts();
    if default {
        tracing::info!(
            target: "switchboard::messages",
            route,
            connection = %req.connection,
            request = %req.request_id,
            user = req.user.as_ref().map(|u| u.id.as_str()).unwrap_or("-"),
            bytes = data_len(&req.data),
            "message received"
        );
    }
    if let Some(component) = component {
        let result = runtime
            .on_message_received(component, hook_scope(scope), req)
            .await;
        if let Err(err) = result {
            let error = format!("on-message-received in {} failed: {err}", component.name);
            Box::pin(self::error(runtime, hooks, scope, &error, Some(req))).await;
        }
    }
}

/// Runs `on-messages-sent` once with the messages a call sent, if any.
pub async fn messages_sent(
    runtime: &Runtime,
    hooks: &RouteHooks,
    scope: &CallScope,
    sent: Vec<SentMessage>,
) {
    let (_, Some(component)) = hooks.sent.parts() else {
        return;
    };
    if sent.is_empty() {
        return;
    }
    let result = runtime
        .on_messages_sent(component, hook_scope(scope), &sent)
        .await;
    if let Err(err) = result {
        let error = format!("on-messages-sent in {} failed: {err}", component.name);
        self::error(runtime, hooks, scope, &error, None).await;
    }
}

/// Runs `on-error` for a failed handler or middleware.
pub async fn error(
    runtime: &Runtime,
    hooks: &RouteHooks,
    scope: &CallScope,
    error: &str,
    req: Option<&Request>,
) {
    let (default, component) = hooks.error.parts();
    if default {
        tracing::warn!(
            target: "switchboard::errors",
            request = req.map(|r| r.request_id.as_str()).unwrap_or("-"),
            "{error}"
        );
    }
    if let Some(component) = component {
        let result = runtime
            .on_error(component, hook_scope(scope), error, req)
            .await;
        if let Err(err) = result {
            tracing::warn!(component = %component.name, "on-error failed: {err} (while reporting: {error})");
        }
    }
}

/// Logging hooks act for the same connection and user, but what they send
/// is not itself logged, so a hook that sends cannot loop.
fn hook_scope(scope: &CallScope) -> CallScope {
    scope.clone().recording_sent(false)
}

fn data_len(data: &Data) -> usize {
    match data {
        Data::Json(text) | Data::Text(text) => text.len(),
        Data::Binary(bytes) => bytes.len(),
    }
}
