//! One component call: a fresh store and instance, the limits, and what
//! went wrong if it failed.

use super::bindings::types::SentMessage;
use super::component::Component;
use super::{Runtime, guest_log};
use crate::hub::{ConnectionId, Hub};
use crate::store::AppStore;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, Store, Trap, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// Whom a call acts for, and the shared state it reaches: `send` goes to
/// `user` on every device, or to `connection` alone when there is no user.
#[derive(Clone)]
pub struct CallScope {
    pub hub: Arc<dyn Hub>,
    pub store: Arc<dyn AppStore>,
    pub connection: Option<ConnectionId>,
    pub user: Option<String>,
    /// Keep a copy of each message sent, for `on-message-sent` hooks.
    pub record_sent: bool,
}

impl CallScope {
    /// A scope acting for no one: `send` fails, `send-to` works.
    pub fn new(hub: Arc<dyn Hub>, store: Arc<dyn AppStore>) -> Self {
        CallScope {
            hub,
            store,
            connection: None,
            user: None,
            record_sent: false,
        }
    }

    /// Acts for this connection and its user, if any.
    pub fn for_connection(mut self, connection: ConnectionId, user: Option<String>) -> Self {
        self.connection = Some(connection);
        self.user = user;
        self
    }

    /// Acts for this user, on none of their connections in particular.
    pub fn for_user(mut self, user: String) -> Self {
        self.user = Some(user);
        self
    }

    pub fn recording_sent(mut self, record: bool) -> Self {
        self.record_sent = record;
        self
    }
}

/// What a call left behind besides its result.
#[derive(Debug, Default)]
pub struct CallRecord {
    /// Messages sent, when the scope asked to record them.
    pub sent: Vec<SentMessage>,
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
    /// Built on the guest's first WASI call: most handlers make none, and
    /// building it costs about a microsecond per call.
    wasi: Option<WasiCtx>,
    /// The component's name, which tags its stdout and stderr.
    name: Arc<str>,
    table: ResourceTable,
    memory: MemoryCap,
    pub(super) scope: CallScope,
    pub(super) sent: Vec<SentMessage>,
    pub(super) budget: SendBudget,
}

/// What is left of a call's allowance of messages and bytes.
pub(super) struct SendBudget {
    pub messages: u32,
    pub bytes: usize,
    max_messages: u32,
    max_bytes: usize,
}

impl SendBudget {
    /// Takes one message of `len` bytes from the budget, or says why not.
    pub fn spend(&mut self, len: usize) -> Result<(), String> {
        if self.messages == 0 {
            return Err(format!(
                "this call reached its limit of {} messages",
                self.max_messages
            ));
        }
        if len > self.bytes {
            return Err(format!(
                "this call reached its limit of {} bytes sent",
                self.max_bytes
            ));
        }
        self.messages -= 1;
        self.bytes -= len;
        Ok(())
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        let name = &self.name;
        let ctx = self.wasi.get_or_insert_with(|| {
            WasiCtxBuilder::new()
                .stdout(guest_log::GuestLog::stdout(name.clone()))
                .stderr(guest_log::GuestLog::stderr(name.clone()))
                .build()
        });
        WasiCtxView {
            ctx,
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
    /// Instantiates the component in a fresh store and runs `f` under the
    /// limits.
    pub(super) async fn call<R>(
        &self,
        component: &Component,
        scope: CallScope,
        timeout: Duration,
        f: impl AsyncFnOnce(
            &mut Store<CallState>,
            &wasmtime::component::Instance,
        ) -> wasmtime::Result<R>,
    ) -> (Result<R, CallError>, CallRecord) {
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
        let result = match tokio::time::timeout(timeout, run).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(classify(&err, store.data(), timeout)),
            Err(_elapsed) => Err(CallError::Timeout(timeout)),
        };
        let record = CallRecord {
            sent: std::mem::take(&mut store.data_mut().sent),
        };
        (result, record)
    }

    fn new_store(
        &self,
        component: &Component,
        scope: CallScope,
        timeout: Duration,
    ) -> Store<CallState> {
        let state = CallState {
            wasi: None,
            name: component.name.clone(),
            table: ResourceTable::new(),
            memory: MemoryCap {
                max: self.limits.memory_bytes,
                denied: false,
            },
            scope,
            sent: Vec::new(),
            budget: SendBudget {
                messages: self.limits.max_sends_per_call,
                bytes: self.limits.max_send_bytes_per_call,
                max_messages: self.limits.max_sends_per_call,
                max_bytes: self.limits.max_send_bytes_per_call,
            },
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.memory);
        if self.metered {
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
        }
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
