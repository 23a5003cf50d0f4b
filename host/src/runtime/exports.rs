//! Typed calls to each export a component may have. Each runs in its own
//! fresh instance under the limits (see [`call`](super::call)).

use super::Runtime;
use super::bindings::logging;
use super::bindings::types::{HandlerConfig, HookModes, HttpRequest, Request, SentMessage, User};
use super::call::{CallError, CallRecord, CallScope, CallState};
use super::component::Component;
use std::time::Duration;
use wasmtime::Store;

impl Runtime {
    /// Calls `handle`, with the handler's own timeout.
    pub async fn handle(
        &self,
        component: &Component,
        scope: CallScope,
        req: &Request,
    ) -> (Result<(), CallError>, CallRecord) {
        let Some(indices) = &component.handler else {
            return (Err(CallError::Missing("handler")), CallRecord::default());
        };
        let timeout = component
            .config
            .timeout
            .unwrap_or(self.limits.default_timeout);
        let (result, record) = self
            .call(component, scope, timeout, async |store, instance| {
                indices
                    .load(&mut *store, instance)?
                    .call_handle(store, req)
                    .await
            })
            .await;
        (flatten(result), record)
    }

    /// Calls `authenticate`.
    pub async fn authenticate(
        &self,
        component: &Component,
        scope: CallScope,
        req: &HttpRequest,
    ) -> Result<Option<User>, CallError> {
        let indices = component
            .authenticate
            .as_ref()
            .ok_or(CallError::Missing("authenticate"))?;
        let (result, _) = self
            .call(component, scope, self.timeout(), async |store, instance| {
                indices
                    .load(&mut *store, instance)?
                    .call_authenticate(store, req)
                    .await
            })
            .await;
        flatten(result)
    }

    /// Calls `on-online` (`online`) or `on-offline`.
    pub async fn presence(
        &self,
        component: &Component,
        scope: CallScope,
        user: &str,
        online: bool,
    ) -> (Result<(), CallError>, CallRecord) {
        let Some(indices) = &component.presence else {
            return (Err(CallError::Missing("presence")), CallRecord::default());
        };
        let (result, record) = self
            .call(component, scope, self.timeout(), async |store, instance| {
                let guest = indices.load(&mut *store, instance)?;
                match online {
                    true => guest.call_on_online(store, user).await,
                    false => guest.call_on_offline(store, user).await,
                }
            })
            .await;
        (flatten(result), record)
    }

    /// Calls `on-message-received`.
    pub async fn on_message_received(
        &self,
        component: &Component,
        scope: CallScope,
        req: &Request,
    ) -> Result<(), CallError> {
        self.call_logging(component, scope, async |store, guest| {
            guest.call_on_message_received(store, req).await
        })
        .await
    }

    /// Calls `on-message-sent`.
    pub async fn on_message_sent(
        &self,
        component: &Component,
        scope: CallScope,
        message: &SentMessage,
    ) -> Result<(), CallError> {
        self.call_logging(component, scope, async |store, guest| {
            guest.call_on_message_sent(store, message).await
        })
        .await
    }

    /// Calls `on-error`.
    pub async fn on_error(
        &self,
        component: &Component,
        scope: CallScope,
        error: &str,
        req: Option<&Request>,
    ) -> Result<(), CallError> {
        self.call_logging(component, scope, async |store, guest| {
            guest.call_on_error(store, error, req).await
        })
        .await
    }

    /// Runs `f` with the component's `logging` export.
    async fn call_logging(
        &self,
        component: &Component,
        scope: CallScope,
        f: impl AsyncFnOnce(&mut Store<CallState>, logging::Guest) -> wasmtime::Result<()>,
    ) -> Result<(), CallError> {
        let indices = component
            .logging
            .as_ref()
            .ok_or(CallError::Missing("logging"))?;
        let (result, _) = self
            .call(component, scope, self.timeout(), async |store, instance| {
                let guest = indices.load(&mut *store, instance)?;
                f(store, guest).await
            })
            .await;
        result
    }

    /// Calls the handler's `config`; done once, when loading.
    pub(super) async fn handler_config(
        &self,
        component: &Component,
        scope: CallScope,
    ) -> Result<HandlerConfig, CallError> {
        let indices = component
            .handler
            .as_ref()
            .ok_or(CallError::Missing("handler"))?;
        let (result, _) = self
            .call(component, scope, self.timeout(), async |store, instance| {
                indices
                    .load(&mut *store, instance)?
                    .call_config(store)
                    .await
            })
            .await;
        result
    }

    /// Calls the logging `hooks`; done once, when loading.
    pub(super) async fn logging_hooks(
        &self,
        component: &Component,
        scope: CallScope,
    ) -> Result<HookModes, CallError> {
        let indices = component
            .logging
            .as_ref()
            .ok_or(CallError::Missing("logging"))?;
        let (result, _) = self
            .call(component, scope, self.timeout(), async |store, instance| {
                indices.load(&mut *store, instance)?.call_hooks(store).await
            })
            .await;
        result
    }

    fn timeout(&self) -> Duration {
        self.limits.default_timeout
    }
}

/// A guest's own `err(reason)` becomes [`CallError::Guest`].
fn flatten<T>(result: Result<Result<T, String>, CallError>) -> Result<T, CallError> {
    result?.map_err(CallError::Guest)
}
