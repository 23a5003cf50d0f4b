//! An app: the components found under its `socket/`, `api/`, `queues/`
//! and `schedules/` folders, its route tables, its logging hooks, the
//! components that authenticate connections and hear presence, and its
//! queues and schedules by name. `routing` maps `socket/`
//! files to message routes and `paths` maps `api/` files to URL paths,
//! `logging` resolves and runs the logging hooks, `reload` swaps in a new
//! app while serving, and `check` reports on one without serving.
//!
//! Depends on `runtime` and `settings`.

pub mod check;
pub mod logging;
pub mod paths;
pub mod reload;
pub mod routing;

use crate::runtime::{Component, Runtime, content_hash};
use logging::RouteHooks;
use paths::{PathRoute, PathTable};
use routing::{Route, RouteTable};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One loaded app. Immutable: a reload builds a new one and swaps it in,
/// so each message is routed entirely by one version.
pub struct App {
    pub routes: RouteTable<Routed>,
    /// The `api/` handlers, by URL path.
    pub api: PathTable<Arc<Component>>,
    /// The job runner of each queue, `queues/<name>.wasm`, by name.
    pub queues: BTreeMap<String, Arc<Component>>,
    /// Each schedule, `schedules/<name>.wasm`, by name.
    pub schedules: BTreeMap<String, Arc<Component>>,
    /// `socket/index.wasm` if it exports `authenticate`, else
    /// `socket/_middleware.wasm` if that does.
    pub authenticator: Option<Arc<Component>>,
    /// The same for `presence`.
    pub presence: Option<Arc<Component>>,
    /// Logging hooks for what is not a handler's doing: unmatched
    /// messages, presence hooks, authentication.
    pub root_hooks: RouteHooks,
    /// Every loaded component, by file path relative to `socket/`, or
    /// relative to the app for the other folders (`api/...`,
    /// `queues/...`, `schedules/...`).
    pub components: BTreeMap<String, Arc<Component>>,
    /// Files that could not be loaded (a previous version may be serving).
    pub problems: Vec<Problem>,
}

/// A route's handler and its resolved logging hooks.
#[derive(Clone)]
pub struct Routed {
    pub component: Arc<Component>,
    pub hooks: RouteHooks,
}

/// A file under `socket/` that could not be loaded, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub reason: String,
}

impl App {
    /// An app with no components.
    pub fn empty() -> App {
        App {
            routes: RouteTable::new(Vec::new()),
            api: PathTable::new(Vec::new()),
            queues: BTreeMap::new(),
            schedules: BTreeMap::new(),
            authenticator: None,
            presence: None,
            root_hooks: RouteHooks::default(),
            components: BTreeMap::new(),
            problems: Vec::new(),
        }
    }

    /// Loads every `.wasm` under the app's folders. A
    /// file that fails to load is logged and left out; the rest are
    /// served.
    pub async fn load(app_dir: &Path, runtime: &Arc<Runtime>) -> anyhow::Result<App> {
        Self::reload(app_dir, runtime, &App::empty()).await
    }

    /// Builds the app anew from `app_dir`. Components whose bytes
    /// did not change are reused from `previous`; a file that fails to load
    /// keeps its version from `previous`, if it had one.
    pub async fn reload(
        app_dir: &Path,
        runtime: &Arc<Runtime>,
        previous: &App,
    ) -> anyhow::Result<App> {
        anyhow::ensure!(
            FOLDERS.iter().any(|folder| app_dir.join(folder).is_dir()),
            "{} has none of the folders {}; put the app's .wasm components there (or run `switchboard build` first)",
            app_dir.display(),
            FOLDERS.map(|folder| format!("{folder}/")).join(", ")
        );
        // (name, path): socket files by their path under socket/, the
        // others by their path in the app (api/..., queues/...).
        let mut files = Vec::new();
        for folder in FOLDERS {
            let dir = app_dir.join(folder);
            if !dir.is_dir() {
                continue;
            }
            let root = match folder {
                "socket" => dir.clone(),
                _ => app_dir.to_path_buf(),
            };
            let mut found = Vec::new();
            list_wasm(&root, &dir, &mut found)?;
            files.extend(found.into_iter().map(|relative| {
                let name = relative.to_string_lossy().replace('\\', "/");
                (name, root.join(relative))
            }));
        }
        files.sort();

        let mut components = BTreeMap::new();
        let mut problems = Vec::new();
        for (name, path) in files {
            match parse_route(&name) {
                Err(err) => {
                    let problem = Problem::new(&name, err.reason);
                    problem.log("cannot serve component");
                    problems.push(problem);
                }
                Ok(None) if !is_middleware(&name) => {}
                Ok(_) => {
                    let old = previous.components.get(&name);
                    match load_if_changed(runtime, &path, &name, old).await {
                        Ok(component) => {
                            components.insert(name, component);
                        }
                        Err(reason) => {
                            let problem = Problem::new(&name, reason);
                            match old {
                                Some(old) => {
                                    problem.log("cannot load; the previous version keeps serving");
                                    components.insert(name.clone(), old.clone());
                                }
                                None => problem.log("cannot serve component"),
                            }
                            problems.push(problem);
                        }
                    }
                }
            }
        }
        for name in previous.components.keys() {
            if !components.contains_key(name) && !problems.iter().any(|p| &p.file == name) {
                tracing::info!(file = %name, "component removed");
            }
        }
        Ok(App::assemble(components, problems))
    }

    /// Derives the route table, middleware and hooks from the components.
    fn assemble(components: BTreeMap<String, Arc<Component>>, mut problems: Vec<Problem>) -> App {
        let mut routes = Vec::new();
        let mut api: Vec<(PathRoute, Arc<Component>)> = Vec::new();
        let (mut queues, mut schedules) = (BTreeMap::new(), BTreeMap::new());
        for (name, component) in &components {
            if let Some((kind, named)) = job_name(name) {
                let (exported, found, table) = match kind {
                    "queues" => (component.exports.job, "job", &mut queues),
                    _ => (component.exports.schedule, "schedule", &mut schedules),
                };
                if exported {
                    table.insert(named.to_owned(), component.clone());
                } else {
                    let reason = format!("exports no `{found}`, so it cannot serve {kind}/");
                    let problem = Problem::new(name, reason);
                    problem.log("cannot serve component");
                    problems.push(problem);
                }
                continue;
            }
            if let Some(relative) = name.strip_prefix("api/") {
                let Ok(Some(route)) = PathRoute::parse(Path::new(relative)) else {
                    continue;
                };
                let problem = if !component.exports.http {
                    Some(
                        "exports no `wasi:http/incoming-handler`, so it cannot serve its path"
                            .into(),
                    )
                } else {
                    api.iter()
                        .find(|(other, _)| other.overlaps(&route))
                        .map(|(other, _)| {
                            format!("serves the same paths as api/{}.wasm", other.name)
                        })
                };
                match problem {
                    Some(reason) => {
                        let problem = Problem::new(name, reason);
                        problem.log("cannot serve component");
                        problems.push(problem);
                    }
                    None => api.push((route, component.clone())),
                }
                continue;
            }
            let Ok(Some(route)) = Route::parse(Path::new(name)) else {
                continue;
            };
            if component.exports.handler {
                let hooks = RouteHooks::resolve(&chain(&components, name));
                let component = component.clone();
                routes.push((route, Routed { component, hooks }));
            } else if route.name != "index" {
                let reason = "exports no handler, so it cannot serve its route";
                let problem = Problem::new(name, reason.into());
                problem.log("cannot serve component");
                problems.push(problem);
            }
        }
        let root = |export: fn(&Component) -> bool| {
            ["index.wasm", "_middleware.wasm"]
                .iter()
                .filter_map(|name| components.get(*name))
                .find(|c| export(c))
                .cloned()
        };
        App {
            routes: RouteTable::new(routes),
            api: PathTable::new(api),
            queues,
            schedules,
            authenticator: root(|c| c.exports.authenticate),
            presence: root(|c| c.exports.presence),
            root_hooks: RouteHooks::resolve(&chain(&components, "index.wasm")),
            components,
            problems,
        }
    }
}

/// The logging chain of the handler in `file`: the file itself, then each
/// `_middleware.wasm` from its folder up to `socket/`.
fn chain<'a>(
    components: &'a BTreeMap<String, Arc<Component>>,
    file: &str,
) -> Vec<&'a Arc<Component>> {
    let mut chain: Vec<&Arc<Component>> = components.get(file).into_iter().collect();
    let mut dir = Path::new(file).parent();
    while let Some(folder) = dir {
        let middleware = folder.join("_middleware.wasm");
        let key = middleware.to_string_lossy().replace('\\', "/");
        chain.extend(components.get(&key));
        dir = folder.parent();
    }
    chain
}

impl Problem {
    fn new(file: &str, reason: String) -> Problem {
        Problem {
            file: file.to_owned(),
            reason,
        }
    }

    /// One log line naming the file, what happens now, and why.
    fn log(&self, outcome: &str) {
        tracing::error!(file = %self.file, reason = %self.reason, "{outcome}");
    }
}

/// The folders of an app that hold components.
const FOLDERS: [&str; 4] = ["socket", "api", "queues", "schedules"];

/// `("queues", name)` or `("schedules", name)` for a file of those
/// folders, by its app-relative name.
fn job_name(name: &str) -> Option<(&'static str, &str)> {
    ["queues", "schedules"].into_iter().find_map(|kind| {
        let named = name.strip_prefix(kind)?.strip_prefix('/')?;
        Some((kind, named.strip_suffix(".wasm")?))
    })
}

/// The route of a file, by its app-relative name: `api/...` by URL path,
/// queues and schedules by a plain name, the rest by message fields.
/// `Ok(None)` for files that serve no route.
fn parse_route(name: &str) -> Result<Option<()>, routing::RouteError> {
    if let Some((kind, named)) = job_name(name) {
        let plain = !named.is_empty()
            && named
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        return match plain {
            true => Ok(Some(())),
            false => Err(routing::RouteError {
                path: name.to_owned(),
                reason: format!(
                    "{kind}/ names are letters, digits, `_` and `-`, one level deep: `{named}` is not"
                ),
            }),
        };
    }
    match name.strip_prefix("api/") {
        Some(relative) => PathRoute::parse(Path::new(relative)).map(|r| r.map(drop)),
        None => Route::parse(Path::new(name)).map(|r| r.map(drop)),
    }
}

/// `_middleware.wasm` in any folder is loaded for its hooks.
fn is_middleware(name: &str) -> bool {
    name == "_middleware.wasm" || name.ends_with("/_middleware.wasm")
}

/// The component in `name`: `old` if the bytes are unchanged, else a
/// freshly loaded one. Errors are reasons to log.
async fn load_if_changed(
    runtime: &Arc<Runtime>,
    path: &Path,
    name: &str,
    old: Option<&Arc<Component>>,
) -> Result<Arc<Component>, String> {
    let wasm = tokio::fs::read(path)
        .await
        .map_err(|err| format!("cannot read the file: {err}"))?;
    if let Some(old) = old
        && old.hash == content_hash(&wasm)
    {
        return Ok(old.clone());
    }
    let component = runtime
        .load(name, wasm)
        .await
        .map_err(|err| err.to_string())?;
    match old {
        None => tracing::info!(
            file = %name,
            hash = short(&component.hash),
            exports = ?component.exports.names(),
            ms = millis(&component),
            cached = component.from_cache,
            "loaded component"
        ),
        Some(old) => tracing::info!(
            file = %name,
            old_hash = short(&old.hash),
            new_hash = short(&component.hash),
            exports = ?component.exports.names(),
            ms = millis(&component),
            cached = component.from_cache,
            "swapped component"
        ),
    }
    Ok(component)
}

fn short(hash: &str) -> &str {
    &hash[..12]
}

fn millis(component: &Component) -> f64 {
    (component.load_time.as_secs_f64() * 1e4).round() / 10.0
}

/// Paths of `.wasm` files under `dir`, relative to `root`. Hidden files
/// (editors' and `switchboard build`'s temporaries) are skipped.
fn list_wasm(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let hidden = path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            list_wasm(root, &path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "wasm") {
            out.push(path.strip_prefix(root).expect("under root").to_path_buf());
        }
    }
    Ok(())
}
