//! What each guest language costs: the conformance app's `index` handler
//! (tests/conformance/<lang>/, the same logic in every language) is built
//! with that language's SDK, then measured for component size, compile
//! time (cold, and from the compile cache) and the median fresh-instance
//! call of `{"op":"echo"}`, which parses JSON, builds a reply and sends it.
//! Calls are timed with the default 256 KiB kept resident per pool slot,
//! with 16 MiB (`--keep-resident-kib 16384`), which resets only the pages
//! a call dirtied, and in a warm instance (the same component loaded as if
//! it declared `instances: warm`), which resets nothing.
//!
//! `cargo bench -p switchboard --bench languages [-- CALLS] [LANG...]`
//! (default 2,000 calls; all of rust, js, ts, python and c). The SDKs must
//! be set up (scripts/setup). Prints progress, a table, and one JSON line.

mod common;

use common::{median, micros, percentile};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use switchboard::runtime::Runtime;
use switchboard::runtime::bindings::types::{Data, Instances, Request};
use switchboard::settings::CallLimits;

const LANGUAGES: [&str; 5] = ["rust", "js", "ts", "python", "c"];

fn main() -> anyhow::Result<()> {
    // As the server does: no native backtrace capture per trap.
    // SAFETY: single-threaded at this point.
    unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    // Cargo passes `--bench` (and the test harness's flags) along; only
    // numbers and language names are ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    let calls = args.iter().find_map(|a| a.parse().ok()).unwrap_or(2_000);
    let chosen: Vec<&str> = LANGUAGES
        .into_iter()
        .filter(|lang| {
            args.iter().all(|a| a.parse::<usize>().is_ok()) || args.iter().any(|a| a == lang)
        })
        .collect();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(run(calls, &chosen))
}

struct Row {
    lang: &'static str,
    bytes: u64,
    cold: Duration,
    cached: Duration,
    calls: Calls,
    /// The same calls with 16 MiB kept resident.
    calls_resident: Calls,
    /// The same calls in a warm instance.
    calls_warm: Calls,
}

struct Calls {
    median: Duration,
    p99: Duration,
}

/// `--keep-resident-kib 16384`.
const LARGE_RESIDENT: usize = 16 << 20;

async fn run(calls: usize, languages: &[&'static str]) -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("guests");
    let mut rows = Vec::new();
    for &lang in languages {
        let app = root.join("tests/conformance").join(lang);
        eprintln!("{lang}: building {} ...", app.display());
        switchboard::cli::build::build_app(&app, Some(&target))?;
        let wasm = app.join("socket/index.wasm");
        rows.push(measure(lang, &wasm, calls).await?);
    }
    print_table(&rows, calls);
    Ok(())
}

async fn measure(lang: &'static str, wasm: &Path, calls: usize) -> anyhow::Result<Row> {
    let cache =
        std::env::temp_dir().join(format!("switchboard-bench-{}-{lang}", std::process::id()));
    let runtime = Runtime::new(CallLimits::default(), Some(cache.clone()))?;
    let started = Instant::now();
    runtime.load_file("index.wasm", wasm).await?;
    let cold = started.elapsed();
    let runtime = Runtime::new(CallLimits::default(), Some(cache.clone()))?;
    let started = Instant::now();
    runtime.load_file("index.wasm", wasm).await?;
    let cached = started.elapsed();
    std::fs::remove_dir_all(&cache)?;
    drop(runtime);

    let resident = CallLimits {
        keep_resident_kib: LARGE_RESIDENT >> 10,
        ..CallLimits::default()
    };
    Ok(Row {
        lang,
        bytes: std::fs::metadata(wasm)?.len(),
        cold,
        cached,
        calls: time_calls(lang, wasm, calls, CallLimits::default(), None).await?,
        calls_resident: time_calls(lang, wasm, calls, resident, None).await?,
        calls_warm: time_calls(
            lang,
            wasm,
            calls,
            CallLimits::default(),
            Some(Instances::Warm),
        )
        .await?,
    })
}

async fn time_calls(
    lang: &str,
    wasm: &Path,
    calls: usize,
    limits: CallLimits,
    instances: Option<Instances>,
) -> anyhow::Result<Calls> {
    let runtime = Runtime::new(limits, None)?;
    let bytes = std::fs::read(wasm)?;
    let component = runtime.load_as("index.wasm", bytes, instances).await?;
    let mut conn = common::OneConnection::new().await;
    let request = Request {
        connection: conn.id.to_string(),
        data: Data::Json(json!({"op": "echo", "n": 1}).to_string()),
        request_id: "r".into(),
        user: None,
        params: Vec::new(),
    };
    let scope = conn.scope.clone();
    let samples = conn
        .measure(lang, calls, async || {
            let (result, _) = runtime.handle(&component, scope.clone(), &request).await;
            result.unwrap();
        })
        .await;
    Ok(Calls {
        median: median(&samples),
        p99: percentile(&samples, 0.99),
    })
}

fn print_table(rows: &[Row], calls: usize) {
    println!();
    println!(
        "| language | component | compile, cold | from cache | fresh call median (p99) | with 16 MiB resident | warm call |"
    );
    println!("|---|--:|--:|--:|--:|--:|--:|");
    for row in rows {
        println!(
            "| {} | {:.1} KiB | {:.0} ms | {:.1} ms | {} µs ({}) | {} µs ({}) | {} µs ({}) |",
            row.lang,
            row.bytes as f64 / 1024.0,
            row.cold.as_secs_f64() * 1e3,
            row.cached.as_secs_f64() * 1e3,
            micros(row.calls.median),
            micros(row.calls.p99),
            micros(row.calls_resident.median),
            micros(row.calls_resident.p99),
            micros(row.calls_warm.median),
            micros(row.calls_warm.p99),
        );
    }
    let json: Vec<_> = rows
        .iter()
        .map(|row| {
            json!({
                "language": row.lang,
                "component_bytes": row.bytes,
                "compile_cold_ms": row.cold.as_secs_f64() * 1e3,
                "compile_cached_ms": row.cached.as_secs_f64() * 1e3,
                "call_median_us": micros(row.calls.median),
                "call_p99_us": micros(row.calls.p99),
                "call_median_us_16mib_resident": micros(row.calls_resident.median),
                "call_median_us_warm": micros(row.calls_warm.median),
                "call_p99_us_warm": micros(row.calls_warm.p99),
            })
        })
        .collect();
    println!(
        "{}",
        json!({"bench": "languages", "calls": calls, "rows": json})
    );
}
