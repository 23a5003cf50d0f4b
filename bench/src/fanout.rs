//! Fan-out: one anonymous connection sends `{"action":"fanout"}` naming
//! 100 users at a steady rate; the handler passes it on with one
//! `send-to`, and every recipient records the time from send to receipt.

use crate::client::{Ws, connect, connect_many};
use crate::echo::histogram;
use crate::procstat;
use crate::report::Latency;
use crate::servers::Running;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, Clone, Copy)]
pub struct FanoutPlan {
    /// Connections, one user each (`u0`, `u1`, ...).
    pub connections: usize,
    /// Users named in each fan-out.
    pub recipients: usize,
    /// Fan-outs per second.
    pub rate: u32,
    pub warmup: Duration,
    pub measure: Duration,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FanoutResult {
    pub fanouts: u64,
    /// Messages received in the window, and how many were sent for it.
    pub deliveries: u64,
    pub expected: u64,
    pub latency: Latency,
    /// Server CPU per fan-out over the window.
    pub cpu_us_per_fanout: f64,
    pub server_cpu: f64,
}

pub async fn run(server: &Running, plan: FanoutPlan) -> anyhow::Result<FanoutResult> {
    let sockets = connect_many(server.addr, plan.connections, 1, |i| {
        Some(format!("u{}", i - 1))
    })
    .await?;
    let recorder = Recorder::new();
    let receivers: Vec<_> = sockets
        .into_iter()
        .map(|ws| tokio::spawn(receive(ws, recorder.clone())))
        .collect();
    let mut sender = connect(server.addr, 0, None).await?;
    let mut picker = Picker::new();
    let send = async || -> anyhow::Result<()> {
        let to = picker.users(plan.recipients, plan.connections);
        let text = serde_json::json!({ "action": "fanout", "to": to, "t": recorder.now() });
        sender.send(Message::text(text.to_string())).await?;
        Ok(())
    };
    let paced = pace(plan.pacing(), &recorder, send, || {
        procstat::cpu_time(server.pid)
    })
    .await?;
    let _ = sender.close(None).await;
    for receiver in receivers {
        receiver.abort();
    }
    let fanouts = paced.fanouts;
    let cpu = (paced.after - paced.before).as_secs_f64();
    Ok(FanoutResult {
        fanouts,
        deliveries: recorder.received(),
        expected: fanouts * plan.recipients as u64,
        latency: recorder.latency(),
        cpu_us_per_fanout: cpu * 1e6 / fanouts.max(1) as f64,
        server_cpu: cpu / paced.wall.as_secs_f64(),
    })
}

/// Records the latency of every fan-out message this connection gets.
pub async fn receive(mut ws: Ws, recorder: Arc<Recorder>) {
    while let Some(Ok(message)) = ws.next().await {
        if let Message::Text(text) = message {
            recorder.record(&text);
        }
    }
}

/// The steady rate fan-outs are sent at, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// Fan-outs per second.
    pub rate: u32,
    pub warmup: Duration,
    pub measure: Duration,
}

impl FanoutPlan {
    pub fn pacing(&self) -> Pacing {
        Pacing {
            rate: self.rate,
            warmup: self.warmup,
            measure: self.measure,
        }
    }
}

/// What [`pace`] measured: fan-outs sent in the window, its length, and
/// the snapshots taken as it opened and closed.
pub struct Paced<S> {
    pub fanouts: u64,
    pub wall: Duration,
    pub before: S,
    pub after: S,
}

/// Calls `send` (one fan-out, stamped with [`Recorder::now`]) at
/// `pacing.rate`: a warm-up, then the measured window, whose messages
/// alone the recorder counts. After the window it waits 500 ms for the
/// last messages to arrive, then stops counting. `snapshot` reads the
/// servers' counters (CPU time, say) as the window opens and closes.
pub async fn pace<S>(
    pacing: Pacing,
    recorder: &Recorder,
    mut send: impl AsyncFnMut() -> anyhow::Result<()>,
    snapshot: impl Fn() -> anyhow::Result<S>,
) -> anyhow::Result<Paced<S>> {
    let mut tick = tokio::time::interval(Duration::from_secs(1) / pacing.rate.max(1));
    let warm = Instant::now();
    while warm.elapsed() < pacing.warmup {
        tick.tick().await;
        send().await?;
    }
    recorder.open_window();
    let (before, t0) = (snapshot()?, Instant::now());
    let mut fanouts = 0u64;
    let mut shown = Instant::now();
    while t0.elapsed() < pacing.measure {
        tick.tick().await;
        send().await?;
        fanouts += 1;
        if shown.elapsed() >= Duration::from_secs(1) {
            shown = Instant::now();
            eprintln!(
                "      {:>4.1}/{:.0} s  {fanouts} fan-outs, {} delivered",
                t0.elapsed().as_secs_f64(),
                pacing.measure.as_secs_f64(),
                recorder.received()
            );
        }
    }
    // Let the last fan-outs arrive, then stop counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (after, wall) = (snapshot()?, t0.elapsed());
    recorder.close_window();
    Ok(Paced {
        fanouts,
        wall,
        before,
        after,
    })
}

/// Counts the fan-out messages recipients get and times each from the
/// send time it carries (`"t":` nanoseconds on this recorder's clock) to
/// its receipt; only messages sent inside the measured window count.
pub struct Recorder {
    /// Start of the clock the messages carry.
    epoch: Instant,
    measuring: AtomicBool,
    /// Messages sent before this (on the `epoch` clock) are not counted.
    window_start: AtomicU64,
    received: AtomicU64,
    latency: Mutex<Histogram<u64>>,
}

impl Recorder {
    pub fn new() -> Arc<Recorder> {
        Arc::new(Recorder {
            epoch: Instant::now(),
            measuring: AtomicBool::new(false),
            window_start: AtomicU64::new(u64::MAX),
            received: AtomicU64::new(0),
            latency: Mutex::new(histogram()),
        })
    }

    /// Now on the clock the messages carry, in nanoseconds.
    pub fn now(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    fn open_window(&self) {
        self.window_start.store(self.now(), Ordering::SeqCst);
        self.measuring.store(true, Ordering::SeqCst);
    }

    fn close_window(&self) {
        self.measuring.store(false, Ordering::SeqCst);
    }

    /// Takes note of a frame a recipient got; frames without a send time
    /// (or sent outside the window) are ignored.
    pub fn record(&self, text: &str) {
        let now = self.now();
        if !self.measuring.load(Ordering::Relaxed) {
            return;
        }
        let Some(sent) = sent_at(text) else {
            return;
        };
        if sent < self.window_start.load(Ordering::Relaxed) {
            return;
        }
        self.received.fetch_add(1, Ordering::Relaxed);
        let micros = now.saturating_sub(sent) / 1000;
        let _ = self.latency.lock().unwrap().record(micros.max(1));
    }

    /// Messages counted so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::SeqCst)
    }

    pub fn latency(&self) -> Latency {
        Latency::of(&self.latency.lock().unwrap())
    }
}

/// The `t` field, found without parsing the whole message.
fn sent_at(text: &str) -> Option<u64> {
    let start = text.find("\"t\":")? + 4;
    let digits: &str = &text[start..];
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// Picks distinct users with a fixed-seed generator, so runs compare.
pub struct Picker(u64);

impl Picker {
    pub fn new() -> Picker {
        Picker(0x9e37_79b9_7f4a_7c15)
    }

    fn next(&mut self) -> u64 {
        // xorshift64
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// `count` distinct users of `u0` to `u{population - 1}`.
    pub fn users(&mut self, count: usize, population: usize) -> Vec<String> {
        let count = count.min(population);
        let mut chosen = std::collections::BTreeSet::new();
        while chosen.len() < count {
            chosen.insert(self.next() % population as u64);
        }
        chosen.into_iter().map(|i| format!("u{i}")).collect()
    }

    /// `count` distinct users of `u0` to `u{population - 1}`, taken in
    /// turn from each of `nodes` residue classes (user `ui` lives on node
    /// `i % nodes`), so that every node holds a share of them.
    pub fn spread(&mut self, count: usize, population: usize, nodes: usize) -> Vec<String> {
        let nodes = nodes.clamp(1, population.max(1));
        let count = count.min(population);
        let mut chosen = std::collections::BTreeSet::new();
        let mut node = 0;
        while chosen.len() < count {
            // Users on `node`: node, node + nodes, ... below population.
            let on_node = (population - node).div_ceil(nodes) as u64;
            if chosen.insert(node as u64 + nodes as u64 * (self.next() % on_node)) {
                node = (node + 1) % nodes;
            }
        }
        chosen.into_iter().map(|i| format!("u{i}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_takes_distinct_users_from_every_node() {
        let mut picker = Picker::new();
        for (count, population, nodes) in [(100, 3_000, 3), (10, 60, 3), (60, 60, 3), (7, 8, 3)] {
            let users = picker.spread(count, population, nodes);
            assert_eq!(users.len(), count);
            let ids: Vec<usize> = users.iter().map(|u| u[1..].parse().unwrap()).collect();
            assert!(ids.iter().all(|&i| i < population));
            for node in 0..nodes {
                let on_node = ids.iter().filter(|&&i| i % nodes == node).count();
                assert!(on_node >= count / nodes, "{count} of {population}: {ids:?}");
            }
        }
    }

    #[test]
    fn sent_at_reads_the_send_time_in_either_shape() {
        assert_eq!(
            sent_at(r#"{"action":"fanout","pad":"x","t":42,"to":["u1"]}"#),
            Some(42)
        );
        assert_eq!(
            sent_at(r#"42["m",{"users":["u1","u2"],"t":7,"pad":"x"}]"#),
            Some(7)
        );
        assert_eq!(sent_at(r#"{"to":["u1"]}"#), None);
    }
}
