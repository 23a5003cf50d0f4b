//! Hot-reload costs: the latency from writing a changed component to the
//! first message served by it, and the per-component load time of a
//! restart that finds everything in the compile cache.
//!
//! `cargo bench -p switchboard --bench reload [-- SWAPS]` (default 20).

use futures_util::{SinkExt, StreamExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use switchboard::app::App;
use switchboard::runtime::Runtime;
use switchboard::settings::CallLimits;
use switchboard::{Server, Settings};
use tokio_tungstenite::tungstenite::Message;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // SAFETY: set before the runtime's threads use the environment.
    unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    let swaps: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(20);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("guests");
    let basic = root.join("tests/apps/basic");
    eprintln!("building tests/apps/basic ...");
    switchboard::cli::build::build_app(&basic, Some(&target))?;
    let scratch = std::env::temp_dir().join(format!("switchboard-bench-{}", std::process::id()));
    let result = run(&basic, &scratch, swaps).await;
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

async fn run(basic: &Path, scratch: &Path, swaps: usize) -> anyhow::Result<()> {
    let swap = swap_latency(basic, scratch, swaps).await?;
    let cached = cached_restart(basic, &scratch.join("restart-cache")).await?;
    let (swap_median, swap_max) = (median(&swap), *swap.iter().max().unwrap());
    let (cached_median, cached_max) = (median(&cached), *cached.iter().max().unwrap());
    println!();
    println!("| measure | median ms | max ms | n |");
    println!("|---|---:|---:|---:|");
    println!(
        "| swap: file written → first reply from the new version (compile included) | {:.1} | {:.1} | {} |",
        ms(swap_median),
        ms(swap_max),
        swap.len()
    );
    println!(
        "| restart: load one component from the compile cache | {:.2} | {:.2} | {} |",
        ms(cached_median),
        ms(cached_max),
        cached.len()
    );
    println!(
        "{}",
        serde_json::json!({
            "bench": "reload",
            "swap_median_ms": ms(swap_median),
            "swap_max_ms": ms(swap_max),
            "cached_load_median_ms": ms(cached_median),
            "cached_load_max_ms": ms(cached_max),
        })
    );
    Ok(())
}

/// Serves a scratch app and swaps its `index.wasm` between two probes,
/// each time with a fresh custom section so it is compiled, not cached.
async fn swap_latency(basic: &Path, scratch: &Path, swaps: usize) -> anyhow::Result<Vec<Duration>> {
    let versions = [
        (
            "action_enter",
            std::fs::read(basic.join("socket/action_enter.wasm"))?,
        ),
        (
            "[room]/index",
            std::fs::read(basic.join("socket/[room]/index.wasm"))?,
        ),
    ];
    let app_dir = scratch.join("app");
    std::fs::create_dir_all(app_dir.join("socket"))?;
    let index = app_dir.join("socket/index.wasm");
    std::fs::write(&index, &versions[0].1)?;
    let mut settings = Settings::for_tests();
    settings.components.cache_dir = Some(scratch.join("cache"));
    let server = Server::bind(&app_dir, settings).await?;
    let url = format!("ws://{}/socket", server.local_addr());
    tokio::spawn(server.run(std::future::pending()));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;

    let mut samples = Vec::new();
    for i in 1..=swaps {
        let (route, bytes) = &versions[i % 2];
        let written = Instant::now();
        std::fs::write(&index, with_custom_section(bytes, i))?;
        loop {
            ws.send(Message::text("{\"probe\":1}")).await?;
            let reply = loop {
                match ws.next().await.expect("open")? {
                    Message::Text(text) => break text,
                    _ => continue,
                }
            };
            if reply.contains(&format!("\"route\":\"{route}\"")) {
                break;
            }
            anyhow::ensure!(
                written.elapsed() < Duration::from_secs(10),
                "swap {i} never served"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        samples.push(written.elapsed());
        eprintln!("swap {i}/{swaps}: {:.1} ms", ms(written.elapsed()));
        // Let the watcher go quiet before the next write.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    samples.sort();
    Ok(samples)
}

/// Loads the app twice with one cache; returns the second load's time for
/// each component.
async fn cached_restart(basic: &Path, cache: &Path) -> anyhow::Result<Vec<Duration>> {
    for round in ["cold", "cached"] {
        let runtime = Runtime::new(CallLimits::default(), Some(cache.to_path_buf()))?;
        let started = Instant::now();
        let app = App::load(basic, &runtime).await?;
        eprintln!(
            "{round} start: {} components in {:.1} ms",
            app.components.len(),
            ms(started.elapsed())
        );
        if round == "cached" {
            anyhow::ensure!(app.components.values().all(|c| c.from_cache), "all cached");
            let mut times: Vec<Duration> = app.components.values().map(|c| c.load_time).collect();
            times.sort();
            return Ok(times);
        }
    }
    unreachable!()
}

/// Appends a custom section, which changes the bytes (and so the hash)
/// without changing behaviour.
fn with_custom_section(component: &[u8], n: usize) -> Vec<u8> {
    let name = b"switchboard-bench";
    let payload = n.to_le_bytes();
    let size = 1 + name.len() + payload.len();
    let mut bytes = component.to_vec();
    bytes.push(0); // custom section id
    bytes.push(u8::try_from(size).expect("small section"));
    bytes.push(u8::try_from(name.len()).expect("short name"));
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(&payload);
    bytes
}

fn median(sorted: &[Duration]) -> Duration {
    sorted[sorted.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
