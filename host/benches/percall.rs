//! What one message costs the runtime: a fresh store, instance and call of
//! a handler that does nothing, through the same code the server uses.
//! Four variants, measured by criterion in the same run:
//!
//! - `metered/wasi`: as served. Fuel and an epoch deadline, and a guest
//!   built for `wasm32-wasip2`, which imports WASI.
//! - `unmetered/wasi`: no fuel and no deadline.
//! - `metered/no-wasi` and `unmetered/no-wasi`: the same source built for
//!   `wasm32-unknown-unknown`, so the component imports no WASI at all.
//!
//! `cargo bench -p switchboard --bench percall`; `cargo test -p
//! switchboard --bench percall` runs each variant once (the CI smoke run).

use criterion::{Criterion, criterion_group, criterion_main};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use switchboard::cli::build as guest_build;
use switchboard::runtime::bindings::types::{Data, Request};
use switchboard::runtime::{CallScope, Component, Runtime};
use switchboard::settings::CallLimits;

fn noop_app() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/noop")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("guests")
}

/// The no-op handler built for `wasm32-wasip2`, as `switchboard build`
/// builds any guest.
fn wasi_guest() -> Vec<u8> {
    let built = guest_build::build_app(&noop_app(), Some(&target_dir())).expect("guest builds");
    std::fs::read(&built[0].path).unwrap()
}

/// The same source built for `wasm32-unknown-unknown` (same stack size)
/// and made a component: it imports nothing from WASI.
fn plain_guest() -> Vec<u8> {
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["build", "--release", "--target", "wasm32-unknown-unknown"])
        .arg("--manifest-path")
        .arg(noop_app().join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir())
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            guest_build::stack_size_rustflags(),
        )
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the no-op guest failed");
    let core = target_dir().join("wasm32-unknown-unknown/release/bench_noop.wasm");
    wit_component::ComponentEncoder::default()
        .module(&std::fs::read(core).unwrap())
        .unwrap()
        .validate(true)
        .encode()
        .expect("the core module becomes a component")
}

fn imports_wasi(runtime: &Runtime, wasm: &[u8]) -> bool {
    let component = wasmtime::component::Component::new(runtime.engine(), wasm).unwrap();
    component
        .component_type()
        .imports(runtime.engine())
        .any(|(name, _)| name.starts_with("wasi:"))
}

fn per_call(c: &mut Criterion) {
    // As the server does: no native backtrace capture per trap.
    // SAFETY: single-threaded at this point.
    unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let guests = [("wasi", wasi_guest()), ("no-wasi", plain_guest())];
    let request = Request {
        connection: "bench".into(),
        data: Data::Binary(b"hello, switchboard".to_vec()),
        request_id: "r".into(),
        user: None,
        params: Vec::new(),
    };
    let scope = CallScope::detached();

    let mut group = c.benchmark_group("fresh instance + call of a no-op handler");
    for metered in [true, false] {
        let runtime = if metered {
            Runtime::new(CallLimits::default(), None)
        } else {
            Runtime::unmetered(CallLimits::default())
        }
        .unwrap();
        for (name, wasm) in &guests {
            assert_eq!(imports_wasi(&runtime, wasm), *name == "wasi");
            let component: Arc<Component> = tokio
                .block_on(runtime.load(name, wasm.clone()))
                .expect("the guest loads");
            let label = format!("{}/{name}", if metered { "metered" } else { "unmetered" });
            group.bench_function(label, |b| {
                b.to_async(&tokio).iter(|| async {
                    let (result, _) = runtime.handle(&component, scope.clone(), &request).await;
                    result.unwrap();
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, per_call);
criterion_main!(benches);
