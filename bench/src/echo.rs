//! Closed-loop echo: each connection sends one message, waits for its
//! answer, and sends the next. Optionally every `spin_every`-th message
//! goes to the runaway handler instead, and its answers are kept apart.

use crate::client::{Ws, connect_many};
use crate::procstat;
use crate::report::Latency;
use crate::servers::Running;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// A 20-byte JSON text message; routed (parsed) like any JSON message.
const SMALL: &str = r#"{"n":"0123456789abc"}"#;
const SPIN: &str = r#"{"action":"spin"}"#;

const WARMING: u8 = 0;
const MEASURING: u8 = 1;
const STOPPING: u8 = 2;

/// What one echo run is.
#[derive(Debug, Clone, Copy)]
pub struct EchoPlan {
    pub connections: usize,
    /// 20 sends the small text message; anything else a binary frame of
    /// that many bytes.
    pub bytes: usize,
    pub warmup: Duration,
    pub measure: Duration,
    /// Send the runaway message as every n-th message of each connection.
    pub spin_every: Option<u64>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct EchoResult {
    pub messages: u64,
    pub msgs_per_s: f64,
    pub latency: Latency,
    /// Server user + system CPU over the window, per answered message.
    pub cpu_us_per_msg: f64,
    /// Server CPU time over wall time in the window (1.0 = one core).
    pub server_cpu: f64,
    /// Runaway messages answered in the window, and their latency.
    pub spins: u64,
    pub spin_latency: Option<Latency>,
}

struct Shared {
    phase: AtomicU8,
    answered: AtomicU64,
    spins: AtomicU64,
    latency: Mutex<Histogram<u64>>,
    spin_latency: Mutex<Histogram<u64>>,
}

pub async fn run(server: &Running, plan: EchoPlan) -> anyhow::Result<EchoResult> {
    let sockets = connect_many(server.addr, plan.connections, 0, |_| None).await?;
    let shared = Arc::new(Shared {
        phase: AtomicU8::new(WARMING),
        answered: AtomicU64::new(0),
        spins: AtomicU64::new(0),
        latency: Mutex::new(histogram()),
        spin_latency: Mutex::new(histogram()),
    });
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(i, ws)| tokio::spawn(drive(ws, i as u64, plan, shared.clone())))
        .collect();
    tokio::time::sleep(plan.warmup).await;
    shared.phase.store(MEASURING, Ordering::SeqCst);
    let (cpu0, t0) = (procstat::cpu_time(server.pid)?, Instant::now());
    let mut last = 0;
    while t0.elapsed() < plan.measure {
        tokio::time::sleep(Duration::from_secs(1).min(plan.measure)).await;
        let answered = shared.answered.load(Ordering::Relaxed);
        eprintln!(
            "      {:>4.1}/{:.0} s  {:>7} msgs/s",
            t0.elapsed().as_secs_f64(),
            plan.measure.as_secs_f64(),
            answered - last
        );
        last = answered;
    }
    let (cpu1, wall) = (procstat::cpu_time(server.pid)?, t0.elapsed());
    shared.phase.store(STOPPING, Ordering::SeqCst);
    for task in tasks {
        task.await??;
    }
    let messages = shared.answered.load(Ordering::SeqCst);
    let spins = shared.spins.load(Ordering::SeqCst);
    let cpu = (cpu1 - cpu0).as_secs_f64();
    let spin_latency = shared.spin_latency.lock().unwrap();
    Ok(EchoResult {
        messages,
        msgs_per_s: messages as f64 / wall.as_secs_f64(),
        latency: Latency::of(&shared.latency.lock().unwrap()),
        cpu_us_per_msg: cpu * 1e6 / (messages + spins).max(1) as f64,
        server_cpu: cpu / wall.as_secs_f64(),
        spins,
        spin_latency: (spins > 0).then(|| Latency::of(&spin_latency)),
    })
}

/// One connection's loop, until the run stops.
async fn drive(mut ws: Ws, index: u64, plan: EchoPlan, shared: Arc<Shared>) -> anyhow::Result<()> {
    let payload = match plan.bytes {
        20 => Message::text(SMALL),
        n => Message::binary(vec![0x5a; n]),
    };
    let mut sent: u64 = 0;
    loop {
        let phase = shared.phase.load(Ordering::Relaxed);
        if phase == STOPPING {
            let _ = ws.close(None).await;
            return Ok(());
        }
        sent += 1;
        let spin = plan
            .spin_every
            .is_some_and(|n| (sent + index).is_multiple_of(n));
        let message = if spin {
            Message::text(SPIN)
        } else {
            payload.clone()
        };
        let start = Instant::now();
        ws.send(message).await?;
        loop {
            let answer = tokio::time::timeout(Duration::from_secs(30), ws.next()).await;
            match answer {
                // An echo must come back as sent: a server answering with
                // errors (a handler that failed to load, say) would
                // otherwise be measured as a fast one.
                Ok(Some(Ok(reply @ (Message::Text(_) | Message::Binary(_))))) => {
                    if !spin && reply != payload {
                        anyhow::bail!(
                            "connection {index} got {:?} instead of its echo",
                            reply.to_text().unwrap_or("(binary)")
                        );
                    }
                    break;
                }
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(err))) => return Err(err.into()),
                Ok(None) => anyhow::bail!("the server closed connection {index}"),
                Err(_) => anyhow::bail!("no answer within 30 s on connection {index}"),
            }
        }
        if phase == MEASURING {
            let micros = start.elapsed().as_micros() as u64;
            let (count, histogram) = match spin {
                true => (&shared.spins, &shared.spin_latency),
                false => (&shared.answered, &shared.latency),
            };
            count.fetch_add(1, Ordering::Relaxed);
            let _ = histogram.lock().unwrap().record(micros.max(1));
        }
    }
}

/// Microseconds from 1 µs to 100 s, three significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 100_000_000, 3).expect("valid bounds")
}
