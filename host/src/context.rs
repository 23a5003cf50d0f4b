//! What the triggers share: the runtime, the backends, the current app and
//! the settings. Built once by the server from the backends it is given;
//! every connection holds an `Arc` of it, and hands each part only the
//! piece it needs (a hook runner gets the [`Runtime`], not all of this).
//!
//! Depends on `runtime`, `backend`, `app`, `auth`, `edge` and `settings`.

use crate::app::App;
use crate::auth::jwt::JwtVerifier;
use crate::backend::jobs::{JobQueue, Queues};
use crate::backend::limits::LimitedStore;
use crate::backend::{AppStore, Hub, NodeId};
use crate::edge::Edge;
use crate::metrics::Metrics;
use crate::runtime::{CallScope, Runtime};
use crate::settings::Settings;
use arc_swap::ArcSwap;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;

/// The services of one node.
pub struct Services {
    /// This node among those sharing the backends.
    pub node: NodeId,
    pub runtime: Arc<Runtime>,
    pub hub: Arc<dyn Hub>,
    /// The backend's store, behind the store limits.
    pub store: LimitedStore,
    /// The job queue, behind the push limits; absent when the app has no
    /// `queues/` or `schedules/` and no data directory was set.
    pub queues: Option<Queues>,
    /// What the node counts, for `/metrics` (the runtime holds it too).
    pub metrics: Arc<Metrics>,
    /// The browser-facing policy and the connection counts.
    pub edge: Edge,
    /// The built-in JWT check, when configured.
    pub jwt: Option<JwtVerifier>,
    /// The current app; a reload swaps in a new one, and each message is
    /// routed by the one it loaded.
    pub app: Arc<ArcSwap<App>>,
    /// Turns true when the server starts to stop: `/readyz` answers 503,
    /// and connections close over the drain window.
    pub stopping: watch::Sender<bool>,
    /// Marked changed after every hot swap of `app`.
    pub app_swapped: Arc<watch::Sender<()>>,
    /// The app's folder.
    pub app_dir: PathBuf,
    pub settings: Settings,
}

/// The backends a node runs on.
pub struct Backends {
    pub hub: Arc<dyn Hub>,
    pub store: Arc<dyn AppStore>,
    /// The job queue; `None` means the embedded SQLite one, in the data
    /// directory (`jobs.data-dir`).
    pub jobs: Option<Arc<dyn JobQueue>>,
}

impl Backends {
    /// A cluster node's backends: the hub, the store and the job queue on
    /// the cluster's Redis.
    pub async fn cluster(
        options: &crate::backend::redis::ClusterOptions,
        node: &NodeId,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Backends> {
        let cluster = crate::backend::redis::join(options, node.as_str(), metrics).await?;
        Ok(Backends {
            hub: cluster.hub,
            store: cluster.store,
            jobs: Some(cluster.jobs),
        })
    }

    /// The embedded single-node backends, in memory.
    pub fn local() -> Backends {
        Backends {
            hub: Arc::new(crate::backend::local::LocalHub::new()),
            store: Arc::new(crate::backend::local::MemoryStore::new()),
            jobs: None,
        }
    }
}

impl Services {
    /// A scope acting for no one, on these backends.
    pub fn is_stopping(&self) -> bool {
        *self.stopping.borrow()
    }

    pub fn scope(&self) -> CallScope {
        CallScope::new(self.hub.clone(), self.store.clone()).with_queues(self.queues.clone())
    }
}
