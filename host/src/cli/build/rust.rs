//! Rust guests: the app's Cargo workspace of guest crates
//! (`crate-type = ["cdylib"]`), built for `wasm32-wasip2`. Each crate's
//! component lands at `socket/<route>.wasm`, where `<route>` is
//! `[package.metadata.switchboard] route`, or else the crate's folder name;
//! a route that starts with `api/` (an HTTP handler), `queues/` or
//! `schedules/` lands at `api/....wasm` (and so on) instead.
//!
//! Apps that share a `--target-dir` need distinct crate names: Cargo copies
//! each crate's output to one file per name in that directory.

use anyhow::{Context, bail};
use serde_json::Value;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::Built;

/// The target guests are built for.
pub const TARGET: &str = "wasm32-wasip2";

/// The stack of a Rust guest, in bytes, unless the environment sets the
/// target's rustflags itself. Rust's default is 1 MiB, placed before the
/// data; a smaller stack keeps a handler's whole working set inside the
/// memory the runtime keeps resident between calls, which makes a fresh
/// instance about 2.5 times cheaper (see the Runtime section of the
/// README).
pub const STACK_SIZE: usize = 64 << 10;

const RUSTFLAGS_VAR: &str = "CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS";

/// Builds every guest crate of the app's Cargo workspace.
pub fn build(
    app_dir: &Path,
    manifest: &Path,
    target_dir: Option<&Path>,
) -> anyhow::Result<Vec<Built>> {
    let routes = routes_by_manifest(manifest)?;
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .args(["build", "--release", "--workspace", "--target", TARGET])
        .args([
            "--message-format",
            "json-render-diagnostics",
            "--manifest-path",
        ])
        .arg(manifest)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let flags_set = ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", RUSTFLAGS_VAR]
        .iter()
        .any(|var| std::env::var_os(var).is_some());
    if !flags_set {
        cargo.env(
            RUSTFLAGS_VAR,
            format!("-C link-arg=-zstack-size={STACK_SIZE}"),
        );
    }
    if let Some(dir) = target_dir {
        cargo.arg("--target-dir").arg(dir);
    }
    let mut child = cargo.spawn().context("cannot run cargo")?;
    let stdout = child.stdout.take().expect("piped");
    let mut built = Vec::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let message: Value = serde_json::from_str(&line?).unwrap_or_default();
        if let Some((manifest_path, wasm)) = wasm_artifact(&message)
            && let Some(route) = routes.get(&manifest_path)
        {
            built.push(install(app_dir, route, &std::fs::read(&wasm)?)?);
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("cargo build failed for {} ({status})", app_dir.display());
    }
    Ok(built)
}

/// Guest crates' manifest paths and their routes.
fn routes_by_manifest(manifest: &Path) -> anyhow::Result<HashMap<PathBuf, String>> {
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(manifest)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo metadata")?;
    if !output.status.success() {
        bail!("cargo metadata failed for {}", manifest.display());
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)?;
    let mut routes = HashMap::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let manifest_path = PathBuf::from(package["manifest_path"].as_str().unwrap_or_default());
        let route = match package["metadata"]["switchboard"]["route"].as_str() {
            Some(route) => route.trim_end_matches(".wasm").to_owned(),
            None => folder_name(&manifest_path)?,
        };
        routes.insert(manifest_path, route);
    }
    Ok(routes)
}

fn folder_name(manifest_path: &Path) -> anyhow::Result<String> {
    manifest_path
        .parent()
        .and_then(Path::file_name)
        .map(|name| name.to_string_lossy().into_owned())
        .with_context(|| format!("cannot name a route after {}", manifest_path.display()))
}

/// The manifest and `.wasm` file of a `compiler-artifact` message for a
/// cdylib.
fn wasm_artifact(message: &Value) -> Option<(PathBuf, PathBuf)> {
    if message["reason"] != "compiler-artifact" {
        return None;
    }
    let is_cdylib = message["target"]["kind"]
        .as_array()?
        .iter()
        .any(|kind| kind == "cdylib");
    let wasm = message["filenames"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .find(|name| name.ends_with(".wasm"))?;
    is_cdylib.then(|| {
        (
            PathBuf::from(message["manifest_path"].as_str().unwrap_or_default()),
            PathBuf::from(wasm),
        )
    })
}

/// Writes a component to `socket/<route>.wasm` through a temporary file
/// and a rename, so a server watching the folder never sees half a file.
/// Same bytes leave the file alone.
fn install(app_dir: &Path, route: &str, bytes: &[u8]) -> anyhow::Result<Built> {
    let dest = super::destination(app_dir, route);
    let changed = std::fs::read(&dest).map_or(true, |old| old != bytes);
    if changed {
        let parent = dest.parent().expect("under the app");
        std::fs::create_dir_all(parent)?;
        let tmp = parent.join(format!(".{}.tmp", std::process::id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &dest)?;
    }
    Ok(Built {
        route: route.to_owned(),
        path: dest,
        changed,
    })
}

/// The rustflags that give a guest a stack of [`STACK_SIZE`] bytes.
pub fn stack_size_rustflags() -> String {
    format!("-C link-arg=-zstack-size={STACK_SIZE}")
}
