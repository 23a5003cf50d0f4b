//! Key rotation while serving: a JWKS file is re-read when it changes
//! (watched as hot reload watches components), and a JWKS URL is
//! refetched when its cache lifetime ends. A file or URL that fails keeps
//! the current keys and logs why.

use super::keys::{KeySet, Keys};
use crate::app::reload::settle;
use notify::{EventKind, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// When a re-read failed, look again this much later in case the file
/// was still being written.
const RETRY: Duration = Duration::from_millis(750);
/// Wait before refetching a URL after a failed fetch.
const URL_RETRY: Duration = Duration::from_secs(60);

/// Keeps the keys rotating while it lives: the file watcher, and the task
/// that reloads or refetches them, stopped when this is dropped.
pub struct Rotation {
    _watcher: Option<notify::RecommendedWatcher>,
    task: JoinHandle<()>,
}

impl Drop for Rotation {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Watches the JWKS file's folder (editors and deploy tools replace files
/// by renaming) and reloads `keys` when the file changes.
pub fn watch_file(path: PathBuf, keys: Arc<Keys>) -> notify::Result<Rotation> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(ToOwned::to_owned);
    let (events, rx) = mpsc::unbounded_channel();
    let mut watcher =
        notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
            Ok(event) if matters(&event, name.as_deref()) => {
                let _ = events.send(());
            }
            Ok(_) => {}
            Err(err) => tracing::warn!("watching the JWKS file: {err}"),
        })?;
    watcher.watch(&folder, RecursiveMode::NonRecursive)?;
    tracing::info!(file = %path.display(), "watching the JWKS for key rotation");
    let task = tokio::spawn(reload_loop(path, keys, rx));
    Ok(Rotation {
        _watcher: Some(watcher),
        task,
    })
}

fn matters(event: &notify::Event, name: Option<&std::ffi::OsStr>) -> bool {
    let kind = matches!(
        event.kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Any
    );
    kind && event.paths.iter().any(|p| p.file_name() == name)
}

async fn reload_loop(path: PathBuf, keys: Arc<Keys>, mut events: mpsc::UnboundedReceiver<()>) {
    while events.recv().await.is_some() {
        if !settle(&mut events).await {
            return;
        }
        if !reload(&path, &keys) {
            match tokio::time::timeout(RETRY, events.recv()).await {
                Ok(None) => return,
                Ok(Some(())) if !settle(&mut events).await => return,
                _ => {}
            }
            reload(&path, &keys);
        }
    }
}

/// Re-reads the file into `keys`; false when it could not be used.
fn reload(path: &Path, keys: &Keys) -> bool {
    match KeySet::read_jwks(path) {
        Ok(set) => {
            keys.store(set);
            tracing::info!(file = %path.display(), "JWKS reloaded");
            true
        }
        Err(err) => {
            tracing::error!(file = %path.display(), "{err}; keeping the current keys");
            false
        }
    }
}

/// Refetches the JWKS URL of `keys` each time its cache lifetime
/// (`max_age` first) ends.
pub fn refresh_url(keys: Arc<Keys>, max_age: Duration) -> Rotation {
    let task = tokio::spawn(async move {
        let Some(remote) = keys.remote() else {
            return;
        };
        let mut wait = max_age;
        loop {
            tokio::time::sleep(wait).await;
            wait = match remote.fetcher.jwks(&remote.url).await {
                Ok((set, max_age)) => {
                    keys.store(set);
                    tracing::debug!(url = %remote.url, ?max_age, "JWKS refetched");
                    max_age
                }
                Err(err) => {
                    tracing::warn!("{err}; keeping the current keys");
                    URL_RETRY
                }
            };
        }
    });
    Rotation {
        _watcher: None,
        task,
    }
}
