//! Shared by the host's integration tests.

use std::path::{Path, PathBuf};

/// Builds `examples/echo` from source (guest crates into the shared
/// guest target directory) and returns the app folder.
pub fn echo_app() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("guests");
    let app = root.join("examples/echo");
    switchboard::cli::build::build_app(&app, Some(&target)).expect("building the echo app");
    app
}
