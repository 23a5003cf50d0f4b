//! Per-call overhead: a fresh store, instance and call of the echo
//! handler, against the same delivery done by native Rust code, measured
//! in the same run.
//!
//! `cargo bench -p switchboard --bench call [-- CALLS]` (default 10,000).
//! Prints progress, a table, and one JSON line.

mod common;

use common::{median, micros, percentile};
use switchboard::runtime::Runtime;
use switchboard::runtime::bindings::types::{Data, Request};
use switchboard::settings::CallLimits;

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
    switchboard::cli::build::build_app(&app, Some(&target))?;

    let runtime = Runtime::new(CallLimits::default(), None)?;
    let component = runtime
        .load_file("index.wasm", &app.join("socket/index.wasm"))
        .await?;

    let mut conn = common::OneConnection::new().await;
    let request = Request {
        connection: conn.id.to_string(),
        data: Data::Text("hello, switchboard".into()),
        request_id: "r".into(),
        user: None,
        params: Vec::new(),
    };
    let scope = conn.scope.clone();
    let wasm = conn
        .measure("wasm", calls, async || {
            let (result, _) = runtime.handle(&component, scope.clone(), &request).await;
            result.unwrap();
        })
        .await;
    let native = conn
        .measure("native", calls, async || {
            // What the echo handler does, without Wasm: encode, then
            // queue on the caller's connection.
            let message = switchboard::runtime::encode(request.data.clone()).unwrap();
            scope.reply(message);
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
