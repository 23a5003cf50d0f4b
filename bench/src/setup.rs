//! Builds what the benchmark runs: the host with its native handlers,
//! the bench apps' components (Rust and JavaScript), and the Node
//! baseline's packages.

use crate::servers::JsApps;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (this crate lives in `bench/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ has a parent")
        .to_path_buf()
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn run(command: &mut Command, what: &str) -> anyhow::Result<()> {
    eprintln!("== {what}");
    let status = command
        .status()
        .with_context(|| format!("cannot start: {what}"))?;
    anyhow::ensure!(status.success(), "{what} failed ({status})");
    Ok(())
}

/// Builds `switchboard` with `bench-native` in this program's own profile
/// (release for measuring; a debug smoke run reuses the test builds) and
/// returns its path.
pub fn build_host(root: &Path) -> anyhow::Result<PathBuf> {
    let (flags, profile): (&[&str], &str) = match cfg!(debug_assertions) {
        false => (&["--release"], "release"),
        true => (&[], "debug"),
    };
    run(
        cargo()
            .current_dir(root)
            .args(["build", "-p", "switchboard", "--features", "bench-native"])
            .args(flags),
        &format!("building switchboard ({profile}) with the bench-native feature"),
    )?;
    Ok(target_dir(root).join(profile).join("switchboard"))
}

/// Compiles `bench/app`'s guest crates into `bench/app/socket`.
pub fn build_app(root: &Path, switchboard: &Path) -> anyhow::Result<PathBuf> {
    build_bench_app(root, switchboard, "app", "the bench app's components")
}

/// Compiles `bench/warm`, the bench app's echo declared warm.
pub fn build_warm_app(root: &Path, switchboard: &Path) -> anyhow::Result<PathBuf> {
    build_bench_app(root, switchboard, "warm", "the warm echo (bench/warm)")
}

/// `switchboard build bench/FOLDER`, Rust guests into the shared guest
/// target directory (which is why the apps' crate names differ).
fn build_bench_app(
    root: &Path,
    switchboard: &Path,
    folder: &str,
    what: &str,
) -> anyhow::Result<PathBuf> {
    let app = root.join("bench").join(folder);
    run(
        Command::new(switchboard)
            .arg("build")
            .arg(&app)
            .arg("--target-dir")
            .arg(target_dir(root).join("guests")),
        &format!("building {what}"),
    )?;
    Ok(app)
}

/// The module of echo logic that the JavaScript apps and
/// `bench/node/js-echo.mjs` share.
fn js_logic(root: &Path) -> PathBuf {
    root.join("bench").join("js").join("logic.mjs")
}

/// Builds `bench/js` and `bench/js-warm` with this tree's JavaScript SDK
/// (installing its packages first); `None` when node or npm is missing,
/// and the JavaScript servers are then skipped.
pub fn build_js_apps(root: &Path, switchboard: &Path) -> anyhow::Result<Option<JsApps>> {
    if !has_tool("node") || !has_tool("npm") {
        eprintln!("== node or npm not found; skipping the JavaScript echo servers (js, js-warm)");
        return Ok(None);
    }
    let sdk = root.join("guest-sdk");
    run(
        &mut Command::new(sdk.join("js").join("setup")),
        "installing the JavaScript SDK's packages (guest-sdk/js/setup)",
    )?;
    let apps = JsApps {
        fresh: root.join("bench").join("js"),
        warm: root.join("bench").join("js-warm"),
    };
    // `switchboard build` rebuilds a route when a file of its app changed;
    // the shared logic lies outside bench/js-warm, so a component older
    // than it is removed to be built again.
    let component = apps.warm.join("socket").join("index.wasm");
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    if let (Some(logic), Some(built)) = (modified(&js_logic(root)), modified(&component))
        && logic > built
    {
        std::fs::remove_file(&component)?;
    }
    for (app, what) in [(&apps.fresh, "bench/js"), (&apps.warm, "bench/js-warm")] {
        run(
            Command::new(switchboard)
                .arg("build")
                .arg(app)
                .env("SWITCHBOARD_SDK_DIR", &sdk),
            &format!("building the JavaScript echo ({what})"),
        )?;
    }
    Ok(Some(apps))
}

fn has_tool(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Installs `bench/node`'s locked packages; `None` when node or npm is
/// missing, and the Node baseline is then skipped.
pub fn node_baseline(root: &Path) -> anyhow::Result<Option<PathBuf>> {
    let dir = root.join("bench").join("node");
    if !has_tool("node") || !has_tool("npm") {
        eprintln!(
            "== node or npm not found; skipping the Node baselines (node, node-js, socketio)"
        );
        return Ok(None);
    }
    let modules = dir.join("node_modules");
    let installed = ["ws", "socket.io", "@socket.io/redis-adapter", "redis"]
        .iter()
        .all(|package| modules.join(package).is_dir());
    if !installed {
        run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir),
            "installing the Node baselines' packages (npm ci)",
        )?;
    }
    Ok(Some(dir))
}

/// Whether `switchboard serve --help` lists `flag`.
pub fn serve_has_flag(switchboard: &Path, flag: &str) -> bool {
    Command::new(switchboard)
        .args(["serve", "--help"])
        .output()
        .is_ok_and(|out| {
            String::from_utf8_lossy(&out.stdout)
                .split(|c: char| c.is_whitespace() || c == ',' || c == '=')
                .any(|word| word == flag)
        })
}

/// One line of a command's output, or `None`.
pub fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The `wasmtime-cli` version the HTTP baseline runs: the wasmtime the
/// host links.
pub const WASMTIME_VERSION: &str = "48.0.8";

/// Where `wasmtime` is installed by the command [`wasmtime_install_hint`]
/// prints.
fn wasmtime_root() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    Some(
        PathBuf::from(home)
            .join(".cache")
            .join("switchboard")
            .join(format!("wasmtime-{WASMTIME_VERSION}")),
    )
}

/// How to install the HTTP baseline.
pub fn wasmtime_install_hint() -> String {
    let root = wasmtime_root().map_or_else(
        || format!("~/.cache/switchboard/wasmtime-{WASMTIME_VERSION}"),
        |p| p.display().to_string(),
    );
    format!("cargo install wasmtime-cli --version {WASMTIME_VERSION} --locked --root {root}")
}

/// `wasmtime` for the HTTP baseline: `given` (which must run), else the
/// install location of [`wasmtime_install_hint`], else one on PATH.
/// `None` when none is found; a version other than
/// [`WASMTIME_VERSION`] is used with a warning.
pub fn wasmtime(root: &Path, given: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
    let version = |path: &Path| {
        let out = Command::new(path).arg("--version").output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let found = match given {
        Some(path) => {
            let v = version(path)
                .with_context(|| format!("--wasmtime {} does not run", path.display()))?;
            Some((path.to_path_buf(), v))
        }
        None => {
            let mut candidates: Vec<PathBuf> = Vec::new();
            candidates.extend(wasmtime_root().map(|r| r.join("bin").join("wasmtime")));
            candidates.push(
                target_dir(root)
                    .join(format!("wasmtime-{WASMTIME_VERSION}"))
                    .join("bin")
                    .join("wasmtime"),
            );
            candidates.push(PathBuf::from("wasmtime"));
            candidates
                .into_iter()
                .find_map(|path| version(&path).map(|v| (path, v)))
        }
    };
    let Some((path, version)) = found else {
        return Ok(None);
    };
    if !version.contains(WASMTIME_VERSION) {
        eprintln!(
            "== warning: {} is {version}, not {WASMTIME_VERSION}, the version the host links",
            path.display()
        );
    }
    eprintln!("== HTTP baseline: {} ({version})", path.display());
    Ok(Some(path))
}
