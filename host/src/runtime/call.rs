//! One component call: a fresh store and instance, the limits, and what
//! went wrong if it failed.

use super::bindings::types::{HandlerConfig, HttpRequest, Request, User};
use super::component::Component;
use super::{Runtime, guest_log};
use crate::hub::{ConnectionId, Hub};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, Store, Trap, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// Whom a call acts for: `send` goes to `user` on every device, or to
/// `connection` alone when there is no user.
#[derive(Clone)]
pub struct CallScope {
    pub hub: Arc<dyn Hub>,
    pub connection: Option<ConnectionId>,
    pub user: Option<String>,
}

/// Why a call produced no result. The `Display` text is what the client
/// receives as `{"error": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The component returned `err(reason)`.
    #[error("{0}")]
    Guest(String),
    #[error("handler ran out of fuel")]
    OutOfFuel,
    #[error("handler timed out after {}s", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("handler exceeded its memory limit of {} MiB", .0 >> 20)]
    Memory(usize),
    #[error("handler overflowed its stack")]
    StackOverflow,
    #[error("handler trapped: {0}")]
    Trap(String),
    #[error("component does not export {0}")]
    Missing(&'static str),
}

/// The data of one call's store.
pub struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    memory: MemoryCap,
    pub(super) scope: CallScope,
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Denies memory growth past the cap and remembers that it did, so the
/// trap that follows is reported as a memory error.
struct MemoryCap {
    max: usize,
    denied: bool,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.denied |= desired > self.max;
        Ok(desired <= self.max)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

impl Runtime {
    /// Calls the component's `handle` export.
    pub async fn handle(
        &self,
        component: &Component,
        scope: CallScope,
        req: &Request,
    ) -> Result<(), CallError> {
        let indices = component
            .handler
            .as_ref()
            .ok_or(CallError::Missing("handler"))?;
        let timeout = component
            .config
            .timeout
            .unwrap_or(self.limits.default_timeout);
        self.call(component, scope, timeout, async |store, instance| {
            let guest = indices.load(&mut *store, instance)?;
            guest.call_handle(store, req).await
        })
        .await?
        .map_err(CallError::Guest)
    }

    /// Calls the component's `authenticate` export.
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
        self.call(
            component,
            scope,
            self.limits.default_timeout,
            async |store, instance| {
                let guest = indices.load(&mut *store, instance)?;
                guest.call_authenticate(store, req).await
            },
        )
        .await?
        .map_err(CallError::Guest)
    }

    /// Calls the handler's `config` export; done once, when loading.
    pub(super) async fn handler_config(
        &self,
        component: &Component,
        scope: CallScope,
    ) -> Result<HandlerConfig, CallError> {
        let indices = component
            .handler
            .as_ref()
            .ok_or(CallError::Missing("handler"))?;
        self.call(
            component,
            scope,
            self.limits.default_timeout,
            async |store, instance| {
                let guest = indices.load(&mut *store, instance)?;
                guest.call_config(store).await
            },
        )
        .await
    }

    /// Instantiates the component in a fresh store and runs `f` under the
    /// limits.
    async fn call<R>(
        &self,
        component: &Component,
        scope: CallScope,
        timeout: Duration,
        f: impl AsyncFnOnce(
            &mut Store<CallState>,
            &wasmtime::component::Instance,
        ) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        let _slot = self
            .slots
            .acquire()
            .await
            .expect("the call semaphore is never closed");
        let mut store = self.new_store(component, scope, timeout);
        let run = async {
            let instance = component.pre.instantiate_async(&mut store).await?;
            f(&mut store, &instance).await
        };
        match tokio::time::timeout(timeout, run).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(classify(&err, store.data(), timeout)),
            Err(_elapsed) => Err(CallError::Timeout(timeout)),
        }
    }

    fn new_store(
        &self,
        component: &Component,
        scope: CallScope,
        timeout: Duration,
    ) -> Store<CallState> {
        let wasi = WasiCtxBuilder::new()
            .stdout(guest_log::GuestLog::stdout(component.name.clone()))
            .stderr(guest_log::GuestLog::stderr(component.name.clone()))
            .build();
        let state = CallState {
            wasi,
            table: ResourceTable::new(),
            memory: MemoryCap {
                max: self.limits.memory_bytes,
                denied: false,
            },
            scope,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.memory);
        store
            .set_fuel(self.limits.fuel)
            .expect("fuel is enabled in the engine config");
        // Every tick, yield to other tasks; past the deadline, interrupt.
        let deadline = Instant::now() + timeout;
        store.epoch_deadline_callback(move |_| {
            Ok(if Instant::now() >= deadline {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Yield(1)
            })
        });
        store.set_epoch_deadline(1);
        store
    }
}

fn classify(err: &wasmtime::Error, state: &CallState, timeout: Duration) -> CallError {
    if state.memory.denied {
        return CallError::Memory(state.memory.max);
    }
    match err.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => CallError::OutOfFuel,
        Some(Trap::Interrupt) => CallError::Timeout(timeout),
        Some(Trap::StackOverflow) => CallError::StackOverflow,
        Some(Trap::UnreachableCodeReached) => {
            CallError::Trap("unreachable executed (a panic or abort in the guest)".into())
        }
        Some(trap) => CallError::Trap(trap.to_string()),
        None => CallError::Trap(format!("{err:#}")),
    }
}
