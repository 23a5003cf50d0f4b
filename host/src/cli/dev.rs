//! `switchboard dev`: serve an app while rebuilding its guest sources on
//! every change. The rebuilt `.wasm` files land in `socket/`, where hot
//! reload swaps them in; a failed build prints the compiler's errors and
//! leaves the running version in place.

use super::build as guest_build;
use notify::{EventKind, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;

/// Quiet time after the last source change before rebuilding.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// Keeps the sources watched while it lives.
pub struct SourceWatch {
    _watcher: notify::RecommendedWatcher,
}

/// Watches the app's sources (everything but `socket/`, `public/`,
/// `target/`, installed packages and hidden files) and rebuilds on change.
pub fn watch_sources(app_dir: &Path, target_dir: Option<PathBuf>) -> anyhow::Result<SourceWatch> {
    let app_dir = app_dir.canonicalize()?;
    let (changes, rx) = mpsc::unbounded_channel();
    let watched = app_dir.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let is_change = matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
        );
        let is_source = event
            .paths
            .iter()
            .any(|path| guest_build::is_app_source(&watched, path));
        if is_change && is_source {
            let _ = changes.send(());
        }
    })?;
    watcher.watch(&app_dir, RecursiveMode::Recursive)?;
    tokio::spawn(rebuild_loop(app_dir, target_dir, rx));
    Ok(SourceWatch { _watcher: watcher })
}

async fn rebuild_loop(
    app_dir: PathBuf,
    target_dir: Option<PathBuf>,
    mut changes: mpsc::UnboundedReceiver<()>,
) {
    while changes.recv().await.is_some() {
        while let Ok(Some(())) = tokio::time::timeout(DEBOUNCE, changes.recv()).await {}
        tracing::info!("sources changed; rebuilding");
        let (dir, target) = (app_dir.clone(), target_dir.clone());
        let built =
            tokio::task::spawn_blocking(move || guest_build::build_app(&dir, target.as_deref()))
                .await;
        match built {
            Ok(Ok(built)) => {
                let changed: Vec<_> = built
                    .iter()
                    .filter(|b| b.changed)
                    .map(|b| &b.route)
                    .collect();
                tracing::info!(?changed, "rebuilt");
            }
            Ok(Err(err)) => {
                tracing::error!("build failed; the previous version keeps serving: {err:#}")
            }
            Err(err) => tracing::error!("build task failed: {err}"),
        }
        // Drop the events our own build caused.
        while changes.try_recv().is_ok() {}
    }
}
