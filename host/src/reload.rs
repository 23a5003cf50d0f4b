//! Hot reload: watches the app's `socket/` folder and swaps in a new
//! [`App`] when components appear, change or disappear, without
//! restarting or dropping connections.
//!
//! Events are debounced; the reload reuses unchanged components, compiles
//! changed ones off the async threads, keeps the previous version of any
//! file that fails to load, and retries once after the file settles.

use crate::app::App;
use crate::server::Shared;
use notify::{EventKind, RecursiveMode, Watcher};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
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

/// Starts watching `socket/` and reloading into `shared.app`.
pub fn watch(shared: Arc<Shared>) -> anyhow::Result<HotReload> {
    let socket_dir = shared.config.app_dir.join("socket");
    let (events, rx) = mpsc::unbounded_channel();
    let mut watcher =
        notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
            Ok(event) if matters(&event.kind) => {
                let _ = events.send(());
            }
            Ok(_) => {}
            Err(err) => tracing::warn!("watching socket/: {err}"),
        })?;
    watcher.watch(&socket_dir, RecursiveMode::Recursive)?;
    tracing::info!(dir = %socket_dir.display(), "watching for component changes");
    tokio::spawn(reload_loop(shared, rx));
    Ok(HotReload { _watcher: watcher })
}

fn matters(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
    )
}

async fn reload_loop(shared: Arc<Shared>, mut events: mpsc::UnboundedReceiver<()>) {
    while events.recv().await.is_some() {
        if !settle(&mut events).await {
            return;
        }
        if reload(&shared).await {
            // A file mid-copy fails now and loads once complete; a new
            // event also ends the wait.
            match timeout(RETRY, events.recv()).await {
                Ok(None) => return,
                Ok(Some(())) if !settle(&mut events).await => return,
                _ => {}
            }
            reload(&shared).await;
        }
    }
}

/// Waits until events stop for [`DEBOUNCE`] (at most [`MAX_DELAY`]).
/// Returns false when the watcher is gone.
async fn settle(events: &mut mpsc::UnboundedReceiver<()>) -> bool {
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
pub async fn reload(shared: &Shared) -> bool {
    let previous = shared.app.load_full();
    match App::reload(&shared.config.app_dir, &shared.runtime, &previous).await {
        Ok(app) => {
            let failed = !app.problems.is_empty();
            shared.app.store(Arc::new(app));
            failed
        }
        Err(err) => {
            tracing::error!("reload failed; keeping the current app: {err:#}");
            true
        }
    }
}
