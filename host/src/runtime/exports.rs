//! Typed calls to each export a component may have, all through one
//! helper, [`Runtime::call_export`]: find the export, run it in a fresh
//! (or warm) instance under the limits (see [`call`](super::call)), and map the
//! outcome to a [`CallError`].

use super::Runtime;
use super::bindings::job::QueueConfig;
use super::bindings::schedule::ScheduleConfig;
use super::bindings::types::{HandlerConfig, HookModes, HttpRequest, Request, SentMessage, User};
use super::bindings::{authenticate, handler, job, logging, presence, schedule};
use super::call::{CallError, CallRecord, CallState};
use super::component::Component;
use super::scope::CallScope;
use std::time::Duration;
use wasmtime::Store;
use wasmtime::component::Instance;
use wasmtime_wasi_http::p2::bindings::{Proxy, ProxyIndices};

/// What an export returns, as the host sees it: a guest's own
/// `err(reason)` becomes [`CallError::Guest`].
pub(super) trait Outcome {
    type Value;
    fn into_result(self) -> Result<Self::Value, CallError>;
}

impl<T> Outcome for Result<T, String> {
    type Value = T;
    fn into_result(self) -> Result<T, CallError> {
        self.map_err(CallError::Guest)
    }
}

macro_rules! infallible_outcome {
    ($($ty:ty),*) => {$(
        impl Outcome for $ty {
            type Value = $ty;
            fn into_result(self) -> Result<$ty, CallError> {
                Ok(self)
            }
        }
    )*};
}

infallible_outcome!((), HandlerConfig, HookModes, QueueConfig, ScheduleConfig);

/// One export of a component: its WIT name, for errors, and its indices
/// if the component has it.
pub(super) struct Export<'a, I> {
    pub name: &'static str,
    pub indices: Option<&'a I>,
}

/// The generated indices of one exported interface, which find its
/// functions in an instance.
pub(super) trait Indices {
    type Guest;
    fn load(
        &self,
        store: &mut Store<CallState>,
        instance: &Instance,
    ) -> wasmtime::Result<Self::Guest>;
}

macro_rules! indices {
    ($($interface:ident),*) => {$(
        impl Indices for $interface::GuestIndices {
            type Guest = $interface::Guest;
            fn load(
                &self,
                store: &mut Store<CallState>,
                instance: &Instance,
            ) -> wasmtime::Result<$interface::Guest> {
                $interface::GuestIndices::load(self, store, instance)
            }
        }
    )*};
}

indices!(handler, authenticate, presence, logging, job, schedule);

impl Indices for ProxyIndices {
    type Guest = Proxy;
    fn load(&self, store: &mut Store<CallState>, instance: &Instance) -> wasmtime::Result<Proxy> {
        ProxyIndices::load(self, store, instance)
    }
}

/// The index in [`CALL_KINDS`](crate::metrics::CALL_KINDS) of an export.
fn call_kind(export: &str) -> usize {
    match export {
        "handler" => 0,
        "job" => 3,
        "schedule" => 4,
        name if name.starts_with("wasi:http") => 2,
        _ => 1,
    }
}

impl Runtime {
    /// Calls one export: `f` gets the store and the export of a fresh
    /// instance.
    pub(super) async fn call_export<I: Indices, R: Outcome>(
        &self,
        component: &Component,
        export: Export<'_, I>,
        scope: CallScope,
        timeout: Duration,
        f: impl AsyncFnOnce(&mut Store<CallState>, I::Guest) -> wasmtime::Result<R>,
    ) -> (Result<R::Value, CallError>, CallRecord) {
        let Some(indices) = export.indices else {
            return (Err(CallError::Missing(export.name)), CallRecord::default());
        };
        let started = std::time::Instant::now();
        let (result, record) = self
            .call(component, scope, timeout, async |store, instance| {
                let guest = indices.load(store, instance)?;
                f(store, guest).await
            })
            .await;
        let result = result.and_then(Outcome::into_result);
        let outcome = result.as_ref().err().map_or(0, CallError::outcome);
        let kind = call_kind(export.name);
        (self.metrics).call(&component.calls, kind, outcome, started.elapsed());
        (result, record)
    }

    /// [`call_export`](Self::call_export) with the server's default
    /// timeout, for exports whose sends are not kept.
    pub(super) async fn call_hook<I: Indices, R: Outcome>(
        &self,
        component: &Component,
        export: Export<'_, I>,
        scope: CallScope,
        f: impl AsyncFnOnce(&mut Store<CallState>, I::Guest) -> wasmtime::Result<R>,
    ) -> Result<R::Value, CallError> {
        let timeout = self.limits.default_timeout();
        self.call_export(component, export, scope, timeout, f)
            .await
            .0
    }

    /// Calls `handle`, with the handler's own timeout.
    pub async fn handle(
        &self,
        component: &Component,
        scope: CallScope,
        req: &Request,
    ) -> (Result<(), CallError>, CallRecord) {
        let timeout = component
            .options
            .timeout
            .unwrap_or(self.limits.default_timeout());
        let export = component.handler();
        self.call_export(component, export, scope, timeout, async |store, guest| {
            guest.call_handle(store, req).await
        })
        .await
    }

    /// Calls `on-online` (`online`) or `on-offline`, keeping what it sent.
    pub async fn presence(
        &self,
        component: &Component,
        scope: CallScope,
        user: &str,
        online: bool,
    ) -> (Result<(), CallError>, CallRecord) {
        let (export, timeout) = (component.presence(), self.limits.default_timeout());
        self.call_export(
            component,
            export,
            scope,
            timeout,
            async |store, guest| match online {
                true => guest.call_on_online(store, user).await,
                false => guest.call_on_offline(store, user).await,
            },
        )
        .await
    }

    /// Calls `authenticate`.
    pub async fn authenticate(
        &self,
        component: &Component,
        scope: CallScope,
        req: &HttpRequest,
    ) -> Result<Option<User>, CallError> {
        let export = component.authenticate();
        self.call_hook(component, export, scope, async |store, guest| {
            guest.call_authenticate(store, req).await
        })
        .await
    }

    /// Calls `on-message-received`.
    pub async fn on_message_received(
        &self,
        component: &Component,
        scope: CallScope,
        req: &Request,
    ) -> Result<(), CallError> {
        let export = component.logging();
        self.call_hook(component, export, scope, async |store, guest| {
            guest.call_on_message_received(store, req).await
        })
        .await
    }

    /// Calls `on-messages-sent` with what one call sent.
    pub async fn on_messages_sent(
        &self,
        component: &Component,
        scope: CallScope,
        messages: &[SentMessage],
    ) -> Result<(), CallError> {
        let export = component.logging();
        self.call_hook(component, export, scope, async |store, guest| {
            guest.call_on_messages_sent(store, messages).await
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
        let export = component.logging();
        self.call_hook(component, export, scope, async |store, guest| {
            guest.call_on_error(store, error, req).await
        })
        .await
    }

    /// Calls the handler's `config`; done once, when loading, detached.
    pub(super) async fn handler_config(
        &self,
        component: &Component,
    ) -> Result<HandlerConfig, CallError> {
        let (export, scope) = (component.handler(), CallScope::detached());
        self.call_hook(component, export, scope, async |store, guest| {
            guest.call_config(store).await
        })
        .await
    }

    /// Calls the logging `hooks`; done once, when loading, detached.
    pub(super) async fn logging_hooks(
        &self,
        component: &Component,
    ) -> Result<HookModes, CallError> {
        let (export, scope) = (component.logging(), CallScope::detached());
        self.call_hook(component, export, scope, async |store, guest| {
            guest.call_hooks(store).await
        })
        .await
    }
}
