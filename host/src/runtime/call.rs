//! One component call: a fresh store and instance (or a warm one, see
//! [`warm`](super::warm)), the limits, and what went wrong if it failed.

use super::bindings::types::SentMessage;
use super::component::Component;
use super::outbound::OutboundGate;
use super::scope::CallScope;
use super::warm::WarmInstance;
use super::{Runtime, guest_log};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, Store, Trap, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

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

impl CallError {
    /// The index in [`OUTCOMES`](crate::metrics::OUTCOMES) of this failure.
    pub fn outcome(&self) -> usize {
        match self {
            CallError::Guest(_) | CallError::Missing(_) => 1,
            CallError::Trap(_) | CallError::StackOverflow => 2,
            CallError::OutOfFuel => 3,
            CallError::Timeout(_) => 4,
            CallError::Memory(_) => 5,
        }
    }
}

/// The data of one call's store.
pub struct CallState {
    /// Built on the guest's first WASI call: most handlers make none, and
    /// building it costs about a microsecond per call.
    wasi: Option<WasiCtx>,
    /// The output streams in `wasi`, whose allowance a warm instance
    /// renews for each call.
    output: Option<guest_log::GuestOutput>,
    /// The component's name, which tags its stdout and stderr.
    name: Arc<str>,
    /// Per-call caps on stdout and stderr: bytes, lines.
    output_cap: (usize, usize),
    table: ResourceTable,
    http: WasiHttpCtx,
    outbound: OutboundGate,
    memory: MemoryCap,
    pub(super) scope: CallScope,
    pub(super) metrics: Arc<crate::metrics::Metrics>,
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
        let (name, (bytes, lines)) = (&self.name, self.output_cap);
        let kept = &mut self.output;
        let ctx = self.wasi.get_or_insert_with(|| {
            let output = guest_log::GuestOutput::new(name.clone(), bytes, lines);
            *kept = Some(output.clone());
            WasiCtxBuilder::new()
                .stdout(output.stdout())
                .stderr(output.stderr())
                .build()
        });
        WasiCtxView {
            ctx,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for CallState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outbound,
        }
    }
}

/// Denies memory growth past the cap and remembers that it did, so the
/// trap that follows is reported as a memory error. Counts the linear
/// memory granted, which is what a warm instance holds.
struct MemoryCap {
    max: usize,
    denied: bool,
    granted: usize,
}

impl CallState {
    /// Bytes of linear memory the instance holds.
    pub(super) fn memory_bytes(&self) -> usize {
        self.memory.granted
    }
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.denied |= desired > self.max;
        if desired <= self.max {
            self.granted += desired.saturating_sub(current);
        }
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
    /// Runs `f` under the limits, in a fresh instance or, for a warm
    /// component, in one of its pool's (which goes back to the pool if
    /// the call ended well).
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
        let warm = component.warm.as_ref().and_then(|pool| pool.take());
        let (mut store, mut instance, calls) = match warm {
            Some(mut warm) => {
                self.renew(warm.store.data_mut(), scope);
                (warm.store, Some(warm.instance), warm.calls)
            }
            None => (self.new_store(component, scope), None, 0),
        };
        self.meter(&mut store, timeout);
        let run = async {
            let instance = match instance {
                Some(instance) => instance,
                None => *instance.insert(component.pre.instantiate_async(&mut store).await?),
            };
            f(&mut store, &instance).await
        };
        let result = match tokio::time::timeout(timeout, run).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(classify(&err, store.data(), timeout)),
            Err(_elapsed) => Err(CallError::Timeout(timeout)),
        };
        let state = store.data_mut();
        let record = CallRecord {
            sent: std::mem::take(&mut state.sent),
        };
        if let (Some(pool), Some(instance), true) = (&component.warm, instance, result.is_ok()) {
            // Nothing of this call's scope stays behind with the instance.
            state.scope = self.idle_scope.clone();
            if let Some(output) = &state.output {
                output.renew();
            }
            let calls = calls + 1;
            pool.put(WarmInstance {
                store,
                instance,
                calls,
            });
        }
        (result, record)
    }

    /// A store for a new instance of `component`, acting in `scope`.
    fn new_store(&self, component: &Component, scope: CallScope) -> Store<CallState> {
        let limits = &self.limits;
        let state = CallState {
            wasi: None,
            output: None,
            name: component.name.clone(),
            output_cap: (limits.guest_output_bytes, limits.guest_output_lines),
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            outbound: self.outbound_gate(),
            memory: MemoryCap {
                max: limits.memory_bytes(),
                denied: false,
                granted: 0,
            },
            scope,
            metrics: self.metrics.clone(),
            sent: Vec::new(),
            budget: SendBudget {
                messages: limits.max_sends_per_call,
                bytes: limits.max_send_bytes_per_call,
                max_messages: limits.max_sends_per_call,
                max_bytes: limits.max_send_bytes_per_call,
            },
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.memory);
        store
    }

    /// One call's allowance of outbound HTTP requests.
    fn outbound_gate(&self) -> OutboundGate {
        let max = self.limits.max_outbound_requests_per_call;
        OutboundGate::new(self.allowed_hosts.clone(), max)
    }

    /// Readies a warm instance's store for its next call: this call's
    /// scope, and the whole allowance of sends and outbound requests.
    fn renew(&self, state: &mut CallState, scope: CallScope) {
        state.scope = scope;
        state.memory.denied = false;
        state.outbound = self.outbound_gate();
        state.budget.messages = self.limits.max_sends_per_call;
        state.budget.bytes = self.limits.max_send_bytes_per_call;
    }

    /// Gives a store one call's fuel and deadline.
    fn meter(&self, store: &mut Store<CallState>, timeout: Duration) {
        let limits = &self.limits;
        if self.metered {
            store
                .set_fuel(limits.fuel)
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
