//! `switchboard build`: compiles an app's guest sources into the `.wasm`
//! components under its `socket/`, `api/`, `queues/` and `schedules/`
//! folders.
//!
//! Rust guests are the crates of the app's Cargo workspace (see [`rust`]).
//! Guests in other languages are single source files under `handlers/`
//! whose paths mirror `socket/`: `handlers/[room]/action_join.ts` becomes
//! `socket/[room]/action_join.wasm`, `handlers/api/users/[id].py`
//! becomes the HTTP handler `api/users/[id].wasm`, and
//! `handlers/queues/email.js` and `handlers/schedules/nightly.c` the job
//! runner `queues/email.wasm` and the schedule `schedules/nightly.wasm`. Each is built by its
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

/// Where the component of `route` goes: `api/...`, `queues/...` and
/// `schedules/...` routes under those folders, the rest socket handlers
/// under `socket/`.
fn destination(app_dir: &Path, route: &str) -> PathBuf {
    match kind_flag(route) {
        Some(_) => app_dir.join(format!("{route}.wasm")),
        None => app_dir.join("socket").join(format!("{route}.wasm")),
    }
}

/// The flag that tells an SDK's build which world a route's component
/// is: `--http` for `api/`, `--job` for `queues/`, `--schedule` for
/// `schedules/`; none for socket handlers.
fn kind_flag(route: &str) -> Option<&'static str> {
    [
        ("api/", "--http"),
        ("queues/", "--job"),
        ("schedules/", "--schedule"),
    ]
    .into_iter()
    .find(|(prefix, _)| route.starts_with(prefix))
    .map(|(_, flag)| flag)
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
