//! Shared by the benchmarks that time calls one by one: a hub with one
//! connection to deliver to, the timing loop, and percentiles.

// Each benchmark that includes this module uses a part of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard::backend::limits::{LimitedStore, StoreLimits};
use switchboard::backend::local::{LocalHub, MemoryStore};
use switchboard::backend::{ConnectionId, Hub, Link, Outbound, Peer};
use switchboard::runtime::CallScope;
use tokio::sync::mpsc;

/// A hub with one anonymous connection, and a call scope acting for it.
pub struct OneConnection {
    pub hub: Arc<dyn Hub>,
    pub id: ConnectionId,
    pub scope: CallScope,
    pub outbound: mpsc::Receiver<Outbound>,
}

impl OneConnection {
    pub async fn new() -> Self {
        let hub: Arc<dyn Hub> = Arc::new(LocalHub::new());
        let id: ConnectionId = "bench".into();
        let (queue, outbound) = mpsc::channel(1 << 16);
        let peer = Peer {
            id: id.clone(),
            user: None,
            queue,
            link: Arc::new(Link::new("127.0.0.1:1".into())),
        };
        hub.join(peer.clone())
            .await
            .expect("a local hub never fails");
        let store = LimitedStore::new(Arc::new(MemoryStore::new()), StoreLimits::default());
        let scope = CallScope::new(hub.clone(), store).for_connection(peer, None);
        OneConnection {
            hub,
            id,
            scope,
            outbound,
        }
    }

    /// Times `calls` runs of `f` after a warm-up, checking that each
    /// delivered one message, with a progress line every tenth. Returns
    /// the sorted samples.
    pub async fn measure(&mut self, name: &str, calls: usize, f: impl AsyncFn()) -> Vec<Duration> {
        for _ in 0..calls.min(500) {
            f().await;
            while self.outbound.try_recv().is_ok() {}
        }
        let mut samples = Vec::with_capacity(calls);
        for i in 0..calls {
            let started = Instant::now();
            f().await;
            samples.push(started.elapsed());
            self.outbound
                .try_recv()
                .expect("the call delivered its message");
            if (i + 1) % (calls / 10).max(1) == 0 {
                eprintln!("{name}: {}/{calls} calls", i + 1);
            }
        }
        samples.sort();
        samples
    }
}

pub fn median(sorted: &[Duration]) -> Duration {
    percentile(sorted, 0.5)
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Microseconds, to one decimal.
pub fn micros(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e7).round() / 10.0
}
