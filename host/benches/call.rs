//! Per-call overhead: a fresh store, instance and call of the echo
//! handler, against the same delivery done by native Rust code, measured
//! in the same run.
//!
//! `cargo bench -p switchboard --bench call [-- CALLS]` (default 10,000).
//! Prints progress, a table, and one JSON line.

use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard::Limits;
use switchboard::codec;
use switchboard::hub::{ConnectionId, Hub, LocalHub, Outbound, Peer};
use switchboard::runtime::bindings::types::{Data, Request};
use switchboard::runtime::{CallScope, Runtime};
use switchboard::store::{AppStore, MemoryStore};
use tokio::sync::{Notify, mpsc};

fn main() -> anyhow::Result<()> {
    // As the server does: no native backtrace capture per trap.
    // SAFETY: single-threaded at this point.
    unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    let calls: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(10_000);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(run(calls))
}

async fn run(calls: usize) -> anyhow::Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let app = root.join("examples/echo");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("guests");
    eprintln!("building examples/echo ...");
    switchboard::guest_build::build_app(&app, Some(&target))?;

    let runtime = Runtime::new(Limits::default(), None)?;
    let component = runtime
        .load_file("index.wasm", &app.join("socket/index.wasm"))
        .await?;

    let hub: Arc<dyn Hub> = Arc::new(LocalHub::new());
    let id: ConnectionId = "bench".into();
    let (queue, mut outbound) = mpsc::channel(1 << 16);
    hub.join(Peer {
        id: id.clone(),
        user: None,
        queue,
        overflowed: Arc::new(Notify::new()),
    })
    .await;
    let store: Arc<dyn AppStore> = Arc::new(MemoryStore::new());
    let scope = CallScope::new(hub.clone(), store).for_connection(id.clone(), None);
    let request = Request {
        connection: id.to_string(),
        data: Data::Text("hello, switchboard".into()),
        request_id: "r".into(),
        user: None,
        params: Vec::new(),
    };

    let wasm = measure("wasm", calls, &mut outbound, async || {
        runtime
            .handle(&component, scope.clone(), &request)
            .await
            .0
            .unwrap();
    })
    .await;
    let native = measure("native", calls, &mut outbound, async || {
        // What the echo handler does, without Wasm: encode, then deliver.
        let message = codec::encode(request.data.clone()).unwrap();
        hub.send_to_connection(&id, message).await;
    })
    .await;

    let (w, n) = (median(&wasm), median(&native));
    println!();
    println!("| path   | median µs | p99 µs |");
    println!("|--------|----------:|-------:|");
    println!(
        "| wasm   | {:>9.1} | {:>6.1} |",
        micros(w),
        micros(percentile(&wasm, 0.99))
    );
    println!(
        "| native | {:>9.1} | {:>6.1} |",
        micros(n),
        micros(percentile(&native, 0.99))
    );
    println!(
        "wasm/native ratio of medians: {:.1}x",
        w.as_secs_f64() / n.as_secs_f64()
    );
    println!(
        "{}",
        serde_json::json!({
            "bench": "call",
            "calls": calls,
            "wasm_median_us": micros(w),
            "wasm_p99_us": micros(percentile(&wasm, 0.99)),
            "native_median_us": micros(n),
            "native_p99_us": micros(percentile(&native, 0.99)),
        })
    );
    Ok(())
}

/// Times `calls` runs of `f` after a warm-up, draining the queue as it
/// goes, with a progress line every tenth.
async fn measure(
    name: &str,
    calls: usize,
    outbound: &mut mpsc::Receiver<Outbound>,
    f: impl AsyncFn(),
) -> Vec<Duration> {
    for _ in 0..calls.min(500) {
        f().await;
        while outbound.try_recv().is_ok() {}
    }
    let mut samples = Vec::with_capacity(calls);
    for i in 0..calls {
        let started = Instant::now();
        f().await;
        samples.push(started.elapsed());
        let delivered = outbound.try_recv().expect("the call delivered its message");
        assert_eq!(delivered.len(), "hello, switchboard".len());
        if (i + 1) % (calls / 10).max(1) == 0 {
            eprintln!("{name}: {}/{calls} calls", i + 1);
        }
    }
    samples.sort();
    samples
}

fn median(sorted: &[Duration]) -> Duration {
    percentile(sorted, 0.5)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn micros(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e7).round() / 10.0
}
