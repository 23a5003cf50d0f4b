//! Hot reload: watches the app's component folders and swaps in a new
//! [`App`] when components appear, change or disappear, without
//! restarting or dropping connections.
//!
//! Events are debounced; the reload reuses unchanged components, compiles
//! changed ones off the async threads, keeps the previous version of any
//! file that fails to load, and retries once after the file settles.

use super::App;
use crate::runtime::Runtime;
use arc_swap::ArcSwap;
use notify::{EventKind, RecursiveMode, Watcher};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, timeout, timeout_at};

/// Quiet time after the last event before reloading.
const DEBOUNCE: Duration = Duration::from_millis(100);
/// Longest wait for quiet, so a file written non-stop still reloads.
const MAX_DELAY: Duration = Duration::from_millis(500);
/// When a file failed to load, look again this much later in case it was
/// still being written.
const RETRY: Duration = Duration::from_millis(750);

/// Keeps the folder watched while it lives.
pub struct HotReload {
    _watcher: notify::RecommendedWatcher,
}

/// What a reload needs: where the app is, the runtime to load it with,
/// the slot holding the current app, and whom to tell of a swap.
#[derive(Clone)]
pub struct Reloader {
    pub app_dir: PathBuf,
    pub runtime: Arc<Runtime>,
    pub current: Arc<ArcSwap<App>>,
    /// Marked changed after every swap (the job runner reconciles then).
    pub swapped: Arc<watch::Sender<()>>,
}

/// Starts watching the app's folders and reloading into
/// `reloader.current`. (A folder created after startup is not watched.)
pub fn watch(reloader: Reloader) -> anyhow::Result<HotReload> {
    let dirs: Vec<_> = super::FOLDERS
        .iter()
        .map(|dir| reloader.app_dir.join(dir))
        .filter(|dir| dir.is_dir())
        .collect();
    let (events, rx) = mpsc::unbounded_channel();
    let mut watcher =
        notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
            Ok(event) if matters(&event.kind) => {
                let _ = events.send(());
            }
            Ok(_) => {}
            Err(err) => tracing::warn!("watching the app's components: {err}"),
        })?;
    for dir in &dirs {
        watcher.watch(dir, RecursiveMode::Recursive)?;
        tracing::info!(dir = %dir.display(), "watching for component changes");
    }
    tokio::spawn(reload_loop(reloader, rx));
    Ok(HotReload { _watcher: watcher })
}

fn matters(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
    )
}

async fn reload_loop(reloader: Reloader, mut events: mpsc::UnboundedReceiver<()>) {
    while events.recv().await.is_some() {
        if !settle(&mut events).await {
            return;
        }
        if reload(&reloader).await {
            // A file mid-copy fails now and loads once complete; a new
            // event also ends the wait.
            match timeout(RETRY, events.recv()).await {
                Ok(None) => return,
                Ok(Some(())) if !settle(&mut events).await => return,
                _ => {}
            }
            reload(&reloader).await;
        }
    }
}

/// Waits until events stop for [`DEBOUNCE`] (at most [`MAX_DELAY`]).
/// Returns false when the watcher is gone. The JWKS watch uses it too.
pub async fn settle(events: &mut mpsc::UnboundedReceiver<()>) -> bool {
    let give_up = Instant::now() + MAX_DELAY;
    loop {
        let quiet = (Instant::now() + DEBOUNCE).min(give_up);
        match timeout_at(quiet, events.recv()).await {
            Ok(Some(())) if Instant::now() < give_up => continue,
            Ok(None) => return false,
            _ => return true,
        }
    }
}

/// Rebuilds the app from disk and swaps it in. Returns whether some file
/// failed to load.
pub async fn reload(reloader: &Reloader) -> bool {
    let previous = reloader.current.load_full();
    match App::reload(&reloader.app_dir, &reloader.runtime, &previous).await {
        Ok(app) => {
            let failed = !app.problems.is_empty();
            let metrics = reloader.runtime.metrics();
            let changed = app.components.iter().filter(|(file, component)| {
                previous.components.get(*file).map(|old| &old.hash) != Some(&component.hash)
            });
            metrics.swapped(changed.count());
            app.problems.iter().for_each(|_| metrics.load_failed());
            let app = Arc::new(app);
            reloader.current.store(app.clone());
            // Old versions keep serving the calls they are in, but keep
            // no warm instances for later ones.
            for (file, old) in &previous.components {
                if app
                    .components
                    .get(file)
                    .is_none_or(|new| !Arc::ptr_eq(new, old))
                {
                    old.retire();
                }
            }
            reloader.swapped.send_replace(());
            failed
        }
        Err(err) => {
            reloader.runtime.metrics().load_failed();
            tracing::error!("reload failed; keeping the current app: {err:#}");
            true
        }
    }
}
