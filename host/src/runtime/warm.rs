//! Warm instances: a component whose config says `instances: warm` keeps
//! a few live instances between calls, each serving one call at a time,
//! so that its module state (and, for JavaScript and Python, the
//! interpreter's heap) is not rebuilt for every call.
//!
//! An instance goes back to its pool only after a call that ended well
//! (a guest's own `err` counts as well; a trap, fuel, timeout or memory
//! failure does not), and only while it has served fewer calls than the
//! limit, its pool has room, and the instances idle in all pools stay
//! within the server's count and memory bounds. Idle instances past the
//! idle limit are dropped by a sweep; a hot swap retires the old
//! component's pool at once.

use super::call::CallState;
use crate::settings::CallLimits;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime::Store;
use wasmtime::component::Instance;

/// A live instance with its store, between calls or in one.
pub(super) struct WarmInstance {
    pub store: Store<CallState>,
    pub instance: Instance,
    /// Calls it has served.
    pub calls: u32,
}

struct Idle {
    warm: WarmInstance,
    since: Instant,
    /// Linear memory it holds, counted in the [`WarmBudget`].
    bytes: usize,
}

/// The idle instances of one component.
pub struct WarmPool {
    budget: Arc<WarmBudget>,
    /// Most recently used last, taken first.
    idle: Mutex<Vec<Idle>>,
    retired: AtomicBool,
}

/// What warm instances may hold between calls, over all pools, and what
/// they hold now.
pub(super) struct WarmBudget {
    pub pool_size: usize,
    pub max_instances: usize,
    pub max_bytes: usize,
    pub max_calls: u32,
    pub idle_timeout: Duration,
    instances: AtomicUsize,
    bytes: AtomicUsize,
}

/// Instances idle in warm pools, and the linear memory they hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WarmUsage {
    pub instances: usize,
    pub bytes: usize,
}

impl WarmBudget {
    pub fn new(limits: &CallLimits) -> Self {
        WarmBudget {
            pool_size: limits.warm_pool_size,
            max_instances: limits.warm_max_instances as usize,
            max_bytes: limits.warm_max_memory_mib << 20,
            max_calls: limits.warm_max_calls.max(1),
            idle_timeout: Duration::from_secs_f64(limits.warm_idle_timeout.max(0.0)),
            instances: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
        }
    }

    pub fn usage(&self) -> WarmUsage {
        WarmUsage {
            instances: self.instances.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }

    /// Counts an instance of `bytes` in, if the bounds allow it.
    fn reserve(&self, bytes: usize) -> bool {
        let counted = self
            .instances
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max_instances).then_some(n + 1)
            })
            .is_ok();
        if !counted {
            return false;
        }
        let fits = self
            .bytes
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
                (held + bytes <= self.max_bytes).then_some(held + bytes)
            })
            .is_ok();
        if !fits {
            self.instances.fetch_sub(1, Ordering::AcqRel);
        }
        fits
    }

    fn release(&self, bytes: usize) {
        self.instances.fetch_sub(1, Ordering::AcqRel);
        self.bytes.fetch_sub(bytes, Ordering::AcqRel);
    }
}

impl WarmPool {
    pub(super) fn new(budget: Arc<WarmBudget>) -> Self {
        WarmPool {
            budget,
            idle: Mutex::new(Vec::new()),
            retired: AtomicBool::new(false),
        }
    }

    /// An idle instance, if one is warm; stale ones met on the way are
    /// dropped.
    pub(super) fn take(&self) -> Option<WarmInstance> {
        let mut idle = self.idle.lock().unwrap();
        while let Some(entry) = idle.pop() {
            self.budget.release(entry.bytes);
            if entry.since.elapsed() < self.budget.idle_timeout {
                return Some(entry.warm);
            }
        }
        None
    }

    /// Keeps `warm` for a later call if it may stay; drops it otherwise.
    pub(super) fn put(&self, warm: WarmInstance) {
        let budget = &self.budget;
        if warm.calls >= budget.max_calls {
            return;
        }
        let bytes = warm.store.data().memory_bytes();
        let mut idle = self.idle.lock().unwrap();
        if self.retired.load(Ordering::Acquire)
            || idle.len() >= budget.pool_size
            || !budget.reserve(bytes)
        {
            return;
        }
        idle.push(Idle {
            warm,
            since: Instant::now(),
            bytes,
        });
    }

    /// Drops every idle instance and keeps none from now on: the
    /// component was swapped out or removed.
    pub fn retire(&self) {
        self.retired.store(true, Ordering::Release);
        self.drain(|_| true);
    }

    /// Drops the instances idle for longer than the budget allows.
    pub(super) fn sweep(&self) {
        let timeout = self.budget.idle_timeout;
        self.drain(|entry| entry.since.elapsed() >= timeout);
    }

    fn drain(&self, stale: impl Fn(&Idle) -> bool) {
        // Stores are dropped outside the lock: dropping one resets its
        // memory slot.
        let dropped: Vec<Idle> = {
            let mut idle = self.idle.lock().unwrap();
            let (gone, kept) = std::mem::take(&mut *idle).into_iter().partition(stale);
            *idle = kept;
            gone
        };
        for entry in &dropped {
            self.budget.release(entry.bytes);
        }
    }

    /// Idle instances, and the linear memory they hold.
    pub fn usage(&self) -> WarmUsage {
        let idle = self.idle.lock().unwrap();
        WarmUsage {
            instances: idle.len(),
            bytes: idle.iter().map(|entry| entry.bytes).sum(),
        }
    }
}

impl Drop for WarmPool {
    fn drop(&mut self) {
        self.drain(|_| true);
    }
}
