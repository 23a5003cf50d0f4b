//! Runs components: one engine, compiled components, and one fresh store
//! per call (or a warm one, for components that ask: `warm`) with fuel, a
//! wall-clock timeout and a memory cap. A component is loaded by `load`
//! into a `component`. Every export is called through one helper (`exports`; jobs' and schedules' in
//! `jobs`); the host imports are `socket_api`, `store_api`, `context_api`
//! and `queue_api`, and a guest's output goes to `guest_log`.
//!
//! Depends on `backend` (the traits its imports call) and `settings` (the
//! limits).

pub mod bindings;
mod cache;
mod call;
mod component;
mod context_api;
mod exports;
mod guest_log;
mod http;
mod jobs;
mod load;
mod outbound;
mod queue_api;
mod scope;
mod socket_api;
mod store_api;
mod warm;

pub use cache::content_hash;
pub use call::{CallError, CallRecord};
pub use component::{Component, Exports, HandlerOptions};
pub use http::HttpResponse;
pub use jobs::{JobOptions, ScheduleOptions, Tick};
pub use load::LoadError;
pub use outbound::{AllowedHosts, PatternError};
pub use scope::{CallScope, Trigger};
pub use socket_api::{EncodeError, MAX_RECIPIENTS, encode};
pub use warm::WarmUsage;

use crate::metrics::Metrics;
use crate::settings::CallLimits;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::Semaphore;
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Engine, PoolingAllocationConfig};

/// How often the epoch advances; the granularity of timeouts and of
/// yields from long-running guests.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Up to this much resident memory per slot, resetting all of it after a
/// call is cheaper than asking the kernel which pages the call dirtied:
/// the echo handler costs 5.6 µs per fresh call this way and 6.7 µs with
/// the scan. Beyond it (big guests, `--keep-resident-kib`), the scan
/// wins: a JavaScript handler costs 136 µs with it and 337 µs without.
/// The default keeps small guests on the fast path, which is why Rust
/// guests are linked with a small stack (see `guest_build`): with Rust's
/// 1 MiB stack placed before the data, a handler's working set lies past
/// 256 KiB and the call costs 16 µs.
const WHOLESALE_RESET_MAX: usize = 256 << 10;

/// The engine, the linker with every host import, and the call limits.
///
/// Owned by the server and shared by `Arc` with every connection and the
/// app loader.
pub struct Runtime {
    engine: Engine,
    linker: Linker<call::CallState>,
    limits: CallLimits,
    cache: Option<cache::CompileCache>,
    /// Bounds calls in flight to the instance pool's size.
    slots: Semaphore,
    /// Whether calls run with fuel and an epoch deadline; always, except
    /// in the per-call benchmark's baseline.
    metered: bool,
    /// Where components may send HTTP requests.
    allowed_hosts: Arc<AllowedHosts>,
    /// Where calls, loads and cache hits are counted.
    metrics: Arc<Metrics>,
    /// What warm instances may keep between calls, and what they keep.
    warm: Arc<warm::WarmBudget>,
    /// The warm pools, swept for idle instances by a background thread.
    pools: Mutex<Vec<Weak<warm::WarmPool>>>,
    /// The scope a store holds between calls: it reaches no one.
    idle_scope: CallScope,
}

impl Runtime {
    /// Builds the engine and starts its epoch ticker.
    pub fn new(limits: CallLimits, cache_dir: Option<PathBuf>) -> anyhow::Result<Arc<Self>> {
        let metrics = Arc::new(Metrics::off());
        Self::build(limits, cache_dir, true, AllowedHosts::default(), metrics)
    }

    /// A server's runtime: its components may send HTTP requests to
    /// `allowed`, and its calls are counted in `metrics`.
    pub fn serving(
        limits: CallLimits,
        cache_dir: Option<PathBuf>,
        allowed: AllowedHosts,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Arc<Self>> {
        Self::build(limits, cache_dir, true, allowed, metrics)
    }

    /// A runtime whose calls have no fuel and no deadline: a guest that
    /// loops runs forever. Only for measuring what metering costs.
    #[doc(hidden)]
    pub fn unmetered(limits: CallLimits) -> anyhow::Result<Arc<Self>> {
        let metrics = Arc::new(Metrics::off());
        Self::build(limits, None, false, AllowedHosts::default(), metrics)
    }

    fn build(
        limits: CallLimits,
        cache_dir: Option<PathBuf>,
        metered: bool,
        allowed_hosts: AllowedHosts,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Arc<Self>> {
        let mut config = engine_config(&limits);
        config.consume_fuel(metered).epoch_interruption(metered);
        let engine = Engine::new(&config)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        bindings::socket::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;
        bindings::types::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;
        bindings::store::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;
        bindings::context::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;
        bindings::queue::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;
        if metered {
            spawn_epoch_ticker(&engine);
        }
        let cache = cache_dir.map(|dir| cache::CompileCache::new(dir, &engine));
        let slots = Semaphore::new(limits.max_concurrent_calls as usize);
        let runtime = Arc::new(Runtime {
            engine,
            linker,
            warm: Arc::new(warm::WarmBudget::new(&limits)),
            limits,
            cache,
            slots,
            metered,
            allowed_hosts: Arc::new(allowed_hosts),
            metrics,
            pools: Mutex::new(Vec::new()),
            idle_scope: CallScope::detached(),
        });
        spawn_warm_sweeper(&runtime);
        Ok(runtime)
    }

    /// Instances idle in all warm pools, and the linear memory they hold.
    pub fn warm_usage(&self) -> WarmUsage {
        self.warm.usage()
    }

    /// A new warm pool, registered for the idle sweep.
    fn warm_pool(&self) -> Arc<warm::WarmPool> {
        let pool = Arc::new(warm::WarmPool::new(self.warm.clone()));
        let mut pools = self.pools.lock().unwrap();
        pools.retain(|pool| pool.strong_count() > 0);
        pools.push(Arc::downgrade(&pool));
        pool
    }

    pub fn limits(&self) -> &CallLimits {
        &self.limits
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }
}

fn engine_config(limits: &CallLimits) -> wasmtime::Config {
    let mut pool = PoolingAllocationConfig::default();
    // Instances in calls, and those idle in warm pools.
    let calls = limits.max_concurrent_calls + limits.warm_max_instances;
    pool.total_component_instances(calls)
        // Toolchains split a component into a few core instances.
        .total_core_instances(calls * 8)
        .total_memories(calls * 2)
        .total_tables(calls * 4)
        .max_memory_size(limits.memory_bytes())
        .max_component_instance_size(4 << 20)
        .max_core_instance_size(4 << 20)
        // After a call, a slot resets linear memory in place up to this
        // much and releases the rest, which then faults in again.
        .linear_memory_keep_resident(limits.keep_resident_bytes())
        .table_keep_resident(64 << 10);
    if limits.keep_resident_bytes() > WHOLESALE_RESET_MAX {
        // Reset only the pages a call dirtied, found with the kernel's
        // PAGEMAP_SCAN where it has it (Linux 6.7+).
        pool.pagemap_scan(wasmtime::Enabled::Auto);
    }
    let mut config = wasmtime::Config::new();
    config
        .allocation_strategy(pool)
        .consume_fuel(true)
        .epoch_interruption(true)
        .wasm_backtrace_details(wasmtime::WasmBacktraceDetails::Disable);
    config
}

/// Every second, drops warm instances idle past their limit, for as
/// long as the runtime lives.
fn spawn_warm_sweeper(runtime: &Arc<Runtime>) {
    let weak = Arc::downgrade(runtime);
    std::thread::Builder::new()
        .name("switchboard-warm".into())
        .spawn(move || {
            while let Some(runtime) = weak.upgrade() {
                let pools: Vec<_> = runtime.pools.lock().unwrap().clone();
                drop(runtime);
                pools
                    .iter()
                    .filter_map(Weak::upgrade)
                    .for_each(|p| p.sweep());
                std::thread::sleep(Duration::from_secs(1));
            }
        })
        .expect("spawning the warm-pool sweeper");
}

/// Advances the engine's epoch every tick, for as long as the engine lives.
fn spawn_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("switchboard-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .expect("spawning the epoch thread");
}
