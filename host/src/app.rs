//! An app: the components found under its `socket/` folder, its route
//! table, and the component that authenticates connections.

use crate::routing::{Route, RouteTable};
use crate::runtime::{Component, Runtime};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One loaded app. Immutable: a reload builds a new one and swaps it in.
pub struct App {
    pub routes: RouteTable<Arc<Component>>,
    /// `socket/index.wasm` if it exports `authenticate`, else
    /// `socket/_middleware.wasm` if that does.
    pub authenticator: Option<Arc<Component>>,
    /// Every component that loaded, by file name relative to `socket/`.
    pub components: Vec<Arc<Component>>,
    /// Files that could not be loaded, with the reason.
    pub problems: Vec<(String, String)>,
}

impl App {
    /// Loads every `.wasm` under `app_dir/socket`. A file that fails to
    /// load is logged and left out; the rest are served.
    pub async fn load(app_dir: &Path, runtime: &Arc<Runtime>) -> anyhow::Result<App> {
        let socket_dir = app_dir.join("socket");
        anyhow::ensure!(
            socket_dir.is_dir(),
            "{} has no socket/ folder; put the app's .wasm components there (or run `switchboard build` first)",
            app_dir.display()
        );
        let mut files = Vec::new();
        list_wasm(&socket_dir, &socket_dir, &mut files)?;
        files.sort();

        let mut app = App {
            routes: RouteTable::new(Vec::new()),
            authenticator: None,
            components: Vec::new(),
            problems: Vec::new(),
        };
        let mut routes = Vec::new();
        let mut middleware = None;
        for relative in files {
            let name = relative.to_string_lossy().replace('\\', "/");
            let route = match Route::parse(&relative) {
                Ok(route) => route,
                Err(err) => {
                    app.problem(&name, err.reason);
                    continue;
                }
            };
            let is_root_middleware = name == "_middleware.wasm";
            if route.is_none() && !is_root_middleware {
                continue;
            }
            let component = match runtime.load(&name, &socket_dir.join(&relative)).await {
                Ok(component) => component,
                Err(err) => {
                    app.problem(&name, err.to_string());
                    continue;
                }
            };
            tracing::info!(
                file = %name,
                hash = &component.hash[..12],
                exports = ?component.exports.names(),
                ms = component.load_time.as_secs_f64() * 1e3,
                cached = component.from_cache,
                "loaded component"
            );
            app.components.push(component.clone());
            match route {
                Some(route) if component.exports.handler => routes.push((route, component.clone())),
                Some(route) if route.name != "index" => app.problem(
                    &name,
                    "exports no handler, so it cannot serve its route".into(),
                ),
                _ => {}
            }
            if name == "index.wasm" && component.exports.authenticate {
                app.authenticator = Some(component.clone());
            } else if is_root_middleware {
                middleware = Some(component);
            }
        }
        if app.authenticator.is_none() {
            app.authenticator = middleware.filter(|c| c.exports.authenticate);
        }
        app.routes = RouteTable::new(routes);
        Ok(app)
    }

    fn problem(&mut self, file: &str, reason: String) {
        tracing::error!(file, "cannot serve component: {reason}");
        self.problems.push((file.to_owned(), reason));
    }
}

/// Paths of `.wasm` files under `dir`, relative to `root`.
fn list_wasm(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            list_wasm(root, &path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "wasm") {
            out.push(path.strip_prefix(root).expect("under root").to_path_buf());
        }
    }
    Ok(())
}
