//! `switchboard build`: compiles an app's guest sources into the `.wasm`
//! components under its `socket/` and `api/` folders.
//!
//! Rust guests are the crates of the app's Cargo workspace (see [`rust`]).
//! Guests in other languages are single source files under `handlers/`
//! whose paths mirror `socket/`: `handlers/[room]/action_join.ts` becomes
//! `socket/[room]/action_join.wasm`, and `handlers/api/users/[id].py`
//! becomes the HTTP handler `api/users/[id].wasm`. Each is built by its
//! language's SDK (see [`sdk`]).

mod rust;
mod sdk;

pub use rust::{STACK_SIZE, stack_size_rustflags};
pub use sdk::is_app_source;

use std::path::{Path, PathBuf};

/// One component written by a build.
#[derive(Debug, Clone)]
pub struct Built {
    pub route: String,
    pub path: PathBuf,
    /// False when the file already held the same bytes, or was up to date.
    pub changed: bool,
}

/// Where the component of `route` goes: `api/...` routes are HTTP
/// handlers under `api/`, the rest socket handlers under `socket/`.
fn destination(app_dir: &Path, route: &str) -> PathBuf {
    match route.starts_with("api/") {
        true => app_dir.join(format!("{route}.wasm")),
        false => app_dir.join("socket").join(format!("{route}.wasm")),
    }
}

/// Whether `route` is an HTTP handler's.
fn is_http(route: &str) -> bool {
    route.starts_with("api/")
}

/// Builds every guest of the app: its Cargo workspace, if it has one, and
/// its other-language sources under `handlers/`. `target_dir` overrides
/// Cargo's target directory (by default the app's own `target/`).
pub fn build_app(app_dir: &Path, target_dir: Option<&Path>) -> anyhow::Result<Vec<Built>> {
    let mut built = Vec::new();
    let manifest = app_dir.join("Cargo.toml");
    if manifest.is_file() {
        built.extend(rust::build(app_dir, &manifest, target_dir)?);
    }
    built.extend(sdk::build(app_dir)?);
    if built.is_empty() {
        tracing::info!(
            "{} has no guest sources; nothing to build",
            app_dir.display()
        );
    }
    Ok(built)
}
