//! Queued jobs per second, end to end: a socket message pushes a job, the
//! job runs and `send`s to its pusher, and the message reaches the socket.
//! The embedded SQLite queue syncs every commit to disk (its data
//! directory is under the target directory, on the build's disk, never a
//! tmpfs). Three servers are measured in turns, in one run:
//!
//! - `direct`: the baseline. The socket handler sends the message itself.
//! - `jobs, batched`: the default, one transaction (and one fsync) for
//!   the queue calls that arrive together.
//! - `jobs, one commit each`: `jobs.batch-commits = false`.
//!
//! 32 clients, each its own user, keep 8 messages in flight each. Figures are medians over the
//! rounds. `cargo bench -p switchboard --bench jobs [-- SECONDS]`
//! (default 5 s per window, 5 rounds); without `--bench` (as `cargo test
//! --benches` runs it) it makes one short round, a smoke check.

use futures_util::{SinkExt, StreamExt};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use switchboard::{Server, Settings};
use tokio_tungstenite::tungstenite::Message;

/// Clients, each its own user (a job's `send` reaches every device of
/// its pusher), pushing at once as the users of a real app would; one
/// connection's messages are handled in order, so one alone would wait
/// for each push's fsync in turn.
const CONNECTIONS: usize = 32;
/// Messages each client keeps in flight.
const PER_CONNECTION: usize = 8;
const IN_FLIGHT: usize = CONNECTIONS * PER_CONNECTION;
const SECRET: &str = "jobs-bench";

fn app_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/jobs")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Direct,
    Batched,
    OneCommitEach,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Direct => "direct (baseline)",
            Mode::Batched => "jobs, batched commits",
            Mode::OneCommitEach => "jobs, one commit each",
        }
    }
}

fn main() -> anyhow::Result<()> {
    // SAFETY: single-threaded at this point.
    unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let measured = args.iter().any(|a| a == "--bench");
    let seconds = args.iter().find_map(|a| a.parse().ok()).unwrap_or(5);
    let (window, rounds) = match measured {
        true => (Duration::from_secs(seconds), 5),
        false => (Duration::from_millis(300), 1),
    };
    switchboard::cli::build::build_app(&app_dir(), Some(&target_dir().join("guests")))?;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(run(window, rounds))
}

async fn run(window: Duration, rounds: usize) -> anyhow::Result<()> {
    let modes = [Mode::Direct, Mode::Batched, Mode::OneCommitEach];
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); modes.len()];
    for round in 1..=rounds {
        for (i, mode) in modes.iter().enumerate() {
            let rate = measure(*mode, window).await?;
            eprintln!("round {round}/{rounds}  {:<24} {rate:>8.0}/s", mode.name());
            rates[i].push(rate);
        }
    }
    let medians: Vec<f64> = rates.iter_mut().map(|r| median(r)).collect();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    println!(
        "\njobs end to end, {CONNECTIONS} clients × {PER_CONNECTION} in flight, median of {rounds} × {window:?} ({cpu}):"
    );
    println!("| server | per second | vs direct |");
    println!("|---|---:|---:|");
    for (mode, rate) in modes.iter().zip(&medians) {
        println!(
            "| {} | {rate:.0} | {:.2}× |",
            mode.name(),
            rate / medians[0]
        );
    }
    println!(
        "{}",
        json!({
            "bench": "jobs", "cpu": cpu, "in_flight": IN_FLIGHT,
            "direct": medians[0], "batched": medians[1], "one_commit_each": medians[2],
        })
    );
    Ok(())
}

/// Messages answered per second by a fresh server in `mode`, over one
/// window after a short warm-up.
async fn measure(mode: Mode, window: Duration) -> anyhow::Result<f64> {
    static RUN: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let data = target_dir().join(format!("bench-jobs-data-{}-{n}", std::process::id()));
    let mut settings = Settings::for_tests();
    settings.components.watch = false;
    settings.components.cache_dir = Some(target_dir().join("guests/compile-cache"));
    settings.jwt.secret = Some(SECRET.into());
    // One client sends every message: no per-connection rate limit.
    settings.edge.message_rate = 0.0;
    settings.jobs.data_dir = Some(data.clone());
    settings.jobs.batch_commits = mode != Mode::OneCommitEach;
    let server = Server::bind(app_dir(), settings).await?;
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));

    let message = match mode {
        Mode::Direct => json!({"action": "direct"}),
        _ => json!({"action": "push"}),
    }
    .to_string();
    let answered = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for n in 0..CONNECTIONS {
        let url = format!("ws://{addr}/socket?token={}", token(&format!("bench-{n}"))?);
        let (ws, _) = tokio_tungstenite::connect_async(url).await?;
        let (message, answered) = (message.clone(), answered.clone());
        clients.push(tokio::spawn(closed_loop(ws, message, answered)));
    }
    let warmup = window.min(Duration::from_secs(1));
    tokio::time::sleep(warmup).await;
    let (before, started) = (answered.load(Ordering::Relaxed), Instant::now());
    tokio::time::sleep(window).await;
    let counted = answered.load(Ordering::Relaxed) - before;
    let rate = counted as f64 / started.elapsed().as_secs_f64();
    for client in clients {
        client.abort();
        if let Ok(Err(err)) = client.await {
            anyhow::bail!("a client failed: {err}");
        }
    }
    anyhow::ensure!(counted > 0, "no message came back");
    let _ = stop.send(());
    let _ = task.await;
    let _ = std::fs::remove_dir_all(&data);
    Ok(rate)
}

/// A token for `user`, for the server's built-in JWT check.
fn token(user: &str) -> anyhow::Result<String> {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs()
        + 3600;
    let claims = json!({"sub": user, "exp": exp});
    Ok(encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )?)
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Keeps [`PER_CONNECTION`] messages in flight on one connection, sending
/// the next as each answer arrives, and counts the answers.
async fn closed_loop(ws: Socket, message: String, answered: Arc<AtomicU64>) -> anyhow::Result<()> {
    let (mut tx, mut rx) = ws.split();
    for _ in 0..PER_CONNECTION {
        tx.feed(Message::text(message.clone())).await?;
    }
    tx.flush().await?;
    while let Some(frame) = rx.next().await {
        let frame = frame?;
        if !frame.is_text() || !frame.to_text()?.contains("\"done\"") {
            anyhow::bail!("unexpected reply: {frame:?}");
        }
        answered.fetch_add(1, Ordering::Relaxed);
        tx.send(Message::text(message.clone())).await?;
    }
    Ok(())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}
