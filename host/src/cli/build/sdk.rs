//! Guests written in JavaScript, TypeScript, Python or C. Each source file
//! under `handlers/` is one route, built into one component by its
//! language's SDK: `guest-sdk/<sdk>/build SOURCE OUT`, run in the app's
//! folder. Code shared between routes lives outside `handlers/`.
//!
//! A route is rebuilt only when its source, the app's shared code or the
//! SDK changed after its `.wasm` was last written, because these builds
//! take seconds each.

use super::Built;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// A guest language with an SDK under `guest-sdk/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    JavaScript,
    Python,
    C,
}

impl Language {
    /// The language of a route source, by extension (`.ts` is TypeScript,
    /// built by the JavaScript SDK; `.d.ts` declares types only).
    pub fn of(path: &Path) -> Option<Language> {
        if path.to_str()?.ends_with(".d.ts") {
            return None;
        }
        match path.extension()?.to_str()? {
            "js" | "mjs" | "ts" => Some(Language::JavaScript),
            "py" => Some(Language::Python),
            "c" => Some(Language::C),
            _ => None,
        }
    }

    /// The SDK's folder under `guest-sdk/`.
    pub fn sdk_folder(self) -> &'static str {
        match self {
            Language::JavaScript => "js",
            Language::Python => "python",
            Language::C => "c",
        }
    }
}

/// Where the SDKs are: `$SWITCHBOARD_SDK_DIR`, or else the `guest-sdk/`
/// folder of the source tree this binary was built from.
pub fn sdk_dir() -> PathBuf {
    std::env::var_os("SWITCHBOARD_SDK_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-sdk"))
}

/// Folders that hold no sources of the app's own.
const SKIPPED: [&str; 6] = [
    "socket",
    "target",
    "public",
    "node_modules",
    "__pycache__",
    ".venv",
];

/// The app's folders of built HTTP handlers, job runners and schedules
/// (`handlers/api/` and the like hold their sources, so only the
/// top-level ones are skipped).
const BUILT: [&str; 3] = ["api", "queues", "schedules"];

/// One route's source.
struct Source {
    path: PathBuf,
    route: String,
    language: Language,
}

/// Builds each route source under `handlers/` that is out of date. Every
/// source is tried; the error names those that failed.
pub fn build(app_dir: &Path) -> anyhow::Result<Vec<Built>> {
    // The SDK's build runs inside the app folder, so the paths it is
    // given must not be relative to ours.
    let app_dir = &app_dir
        .canonicalize()
        .with_context(|| format!("cannot find the app folder {}", app_dir.display()))?;
    let sources = route_sources(app_dir)?;
    if sources.is_empty() {
        return Ok(Vec::new());
    }
    let shared = newest_shared_change(app_dir, &sources);
    let mut built = Vec::new();
    let mut failed = Vec::new();
    for source in &sources {
        let sdk = sdk_dir().join(source.language.sdk_folder());
        let inputs = [Some(modified(&source.path)), shared, newest_change(&sdk)];
        let dest = super::destination(app_dir, &source.route);
        if is_newer_than_all(&dest, &inputs) {
            built.push(Built {
                route: source.route.clone(),
                path: dest,
                changed: false,
            });
            continue;
        }
        let before = std::fs::read(&dest).ok();
        match build_one(app_dir, &sdk, source, &dest) {
            Ok(()) => {
                touch(&dest)?;
                built.push(Built {
                    route: source.route.clone(),
                    changed: before != std::fs::read(&dest).ok(),
                    path: dest,
                });
            }
            Err(err) => {
                tracing::error!("{}: {err:#}", source.path.display());
                failed.push(source.route.clone());
            }
        }
    }
    if !failed.is_empty() {
        bail!("could not build {}", failed.join(", "));
    }
    Ok(built)
}

/// Runs the SDK's build, which writes `dest` through a rename and may
/// leave it alone when its inputs did not change.
fn build_one(app_dir: &Path, sdk: &Path, source: &Source, dest: &Path) -> anyhow::Result<()> {
    let script = sdk.join("build");
    if !script.is_file() {
        bail!(
            "no {:?} SDK at {} (set SWITCHBOARD_SDK_DIR to the guest-sdk folder)",
            source.language,
            sdk.display()
        );
    }
    std::fs::create_dir_all(dest.parent().expect("under the app"))?;
    tracing::info!(route = %source.route, "building {}", source.path.display());
    let mut command = Command::new(&script);
    if let Some(flag) = super::kind_flag(&source.route) {
        command.arg(flag);
    }
    let status = command
        .arg(&source.path)
        .arg(dest)
        .current_dir(app_dir)
        .status()
        .with_context(|| format!("cannot run {}", script.display()))?;
    if !status.success() {
        bail!("{} failed ({status})", script.display());
    }
    if !dest.is_file() {
        bail!("{} wrote no {}", script.display(), dest.display());
    }
    Ok(())
}

/// Marks a component as built now, so the next build skips it.
fn touch(path: &Path) -> std::io::Result<()> {
    std::fs::File::options()
        .write(true)
        .open(path)?
        .set_modified(SystemTime::now())
}

/// Every file under `handlers/` in a language with an SDK, with its route.
/// Folders holding a `Cargo.toml` are Rust guest crates and are skipped.
fn route_sources(app_dir: &Path) -> anyhow::Result<Vec<Source>> {
    let handlers = app_dir.join("handlers");
    let mut sources = Vec::new();
    for path in files_under(&handlers) {
        let Some(language) = Language::of(&path) else {
            continue;
        };
        let relative = path.strip_prefix(&handlers).expect("under handlers/");
        let route = relative
            .with_extension("")
            .components()
            .map(|part| part.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        sources.push(Source {
            path,
            route,
            language,
        });
    }
    sources.sort_by(|a, b| a.route.cmp(&b.route));
    if let Some(pair) = sources
        .windows(2)
        .find(|pair| pair[0].route == pair[1].route)
    {
        bail!(
            "{} and {} would both build {}",
            pair[0].path.display(),
            pair[1].path.display(),
            super::destination(app_dir, &pair[0].route).display()
        );
    }
    Ok(sources)
}

/// True for a path under `app_dir` that may hold guest sources: not in
/// `socket/`, `api/`, `queues/`, `target/`, `node_modules/` and the like,
/// nor hidden.
pub fn is_app_source(app_dir: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(app_dir) else {
        return false;
    };
    if BUILT.iter().any(|folder| relative.starts_with(folder)) {
        return false;
    }
    relative.components().all(|part| {
        let name = part.as_os_str().to_string_lossy();
        !name.starts_with('.') && !SKIPPED.contains(&name.as_ref())
    })
}

/// Files under `root`, recursively, leaving out skipped and hidden
/// folders, and Rust crates below the root.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        if dir != root && dir.join("Cargo.toml").is_file() {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || SKIPPED.contains(&name.as_ref()) {
                continue;
            }
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(path),
                Ok(_) => files.push(path),
                Err(_) => {}
            }
        }
    }
    files
}

/// The last change to the app's files other than route sources: shared
/// code, package manifests and the like.
fn newest_shared_change(app_dir: &Path, sources: &[Source]) -> Option<SystemTime> {
    let built = BUILT.map(|folder| app_dir.join(folder));
    files_under(app_dir)
        .into_iter()
        .filter(|path| !built.iter().any(|folder| path.starts_with(folder)))
        .filter(|path| !sources.iter().any(|source| &source.path == path))
        .map(|path| modified(&path))
        .max()
}

/// The last change to any file under `dir`.
fn newest_change(dir: &Path) -> Option<SystemTime> {
    files_under(dir).iter().map(|path| modified(path)).max()
}

fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .unwrap_or_else(|_| SystemTime::now())
}

fn is_newer_than_all(dest: &Path, inputs: &[Option<SystemTime>]) -> bool {
    let Ok(built_at) = std::fs::metadata(dest).and_then(|meta| meta.modified()) else {
        return false;
    };
    inputs.iter().flatten().all(|input| *input < built_at)
}
