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

struct Shared {
    /// Start of the clock the messages carry.
    epoch: Instant,
    measuring: AtomicBool,
    /// Messages sent before this (on the `epoch` clock) are not counted.
    window_start: AtomicU64,
    received: AtomicU64,
    latency: Mutex<Histogram<u64>>,
}

pub async fn run(server: &Running, plan: FanoutPlan) -> anyhow::Result<FanoutResult> {
    let sockets = connect_many(server.addr, plan.connections, 1, |i| {
        Some(format!("u{}", i - 1))
    })
    .await?;
    let shared = Arc::new(Shared {
        epoch: Instant::now(),
        measuring: AtomicBool::new(false),
        window_start: AtomicU64::new(u64::MAX),
        received: AtomicU64::new(0),
        latency: Mutex::new(histogram()),
    });
    let receivers: Vec<_> = sockets
        .into_iter()
        .map(|ws| tokio::spawn(receive(ws, shared.clone())))
        .collect();
    let mut sender = connect(server.addr, 0, None).await?;
    let mut picker = Picker(0x9e37_79b9_7f4a_7c15);
    let mut tick = tokio::time::interval(Duration::from_secs(1) / plan.rate);
    let mut send = async |sender: &mut Ws, picker: &mut Picker| -> anyhow::Result<()> {
        tick.tick().await;
        let to = picker.users(plan.recipients, plan.connections);
        let sent = shared.epoch.elapsed().as_nanos() as u64;
        let text = serde_json::json!({ "action": "fanout", "to": to, "t": sent }).to_string();
        sender.send(Message::text(text)).await?;
        Ok(())
    };
    let warm = Instant::now();
    while warm.elapsed() < plan.warmup {
        send(&mut sender, &mut picker).await?;
    }
    let start = shared.epoch.elapsed().as_nanos() as u64;
    shared.window_start.store(start, Ordering::SeqCst);
    shared.measuring.store(true, Ordering::SeqCst);
    let (cpu0, t0) = (procstat::cpu_time(server.pid)?, Instant::now());
    let mut fanouts = 0u64;
    let mut shown = Instant::now();
    while t0.elapsed() < plan.measure {
        send(&mut sender, &mut picker).await?;
        fanouts += 1;
        if shown.elapsed() >= Duration::from_secs(1) {
            shown = Instant::now();
            eprintln!(
                "      {:>4.1}/{:.0} s  {fanouts} fan-outs, {} delivered",
                t0.elapsed().as_secs_f64(),
                plan.measure.as_secs_f64(),
                shared.received.load(Ordering::Relaxed)
            );
        }
    }
    // Let the last fan-outs arrive, then stop counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (cpu1, wall) = (procstat::cpu_time(server.pid)?, t0.elapsed());
    shared.measuring.store(false, Ordering::SeqCst);
    let _ = sender.close(None).await;
    for receiver in receivers {
        receiver.abort();
    }
    let cpu = (cpu1 - cpu0).as_secs_f64();
    Ok(FanoutResult {
        fanouts,
        deliveries: shared.received.load(Ordering::SeqCst),
        expected: fanouts * plan.recipients as u64,
        latency: Latency::of(&shared.latency.lock().unwrap()),
        cpu_us_per_fanout: cpu * 1e6 / fanouts.max(1) as f64,
        server_cpu: cpu / wall.as_secs_f64(),
    })
}

/// Records the latency of every fan-out message this connection gets.
async fn receive(mut ws: Ws, shared: Arc<Shared>) {
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let now = shared.epoch.elapsed().as_nanos() as u64;
        if !shared.measuring.load(Ordering::Relaxed) {
            continue;
        }
        let Some(sent) = sent_at(&text) else {
            continue;
        };
        if sent < shared.window_start.load(Ordering::Relaxed) {
            continue;
        }
        shared.received.fetch_add(1, Ordering::Relaxed);
        let micros = now.saturating_sub(sent) / 1000;
        let _ = shared.latency.lock().unwrap().record(micros.max(1));
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
struct Picker(u64);

impl Picker {
    fn next(&mut self) -> u64 {
        // xorshift64
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn users(&mut self, count: usize, population: usize) -> Vec<String> {
        let count = count.min(population);
        let mut chosen = std::collections::BTreeSet::new();
        while chosen.len() < count {
            chosen.insert(self.next() % population as u64);
        }
        chosen.into_iter().map(|i| format!("u{i}")).collect()
    }
}
