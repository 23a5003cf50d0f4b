//! The edge of the process: the listeners, the HTTP routes (`routes`), the
//! admin routes (`admin`), and graceful shutdown.
//!
//! Depends on the triggers (`socket`) and everything below them.

pub mod admin;
mod routes;

use crate::app::App;
use crate::app::reload::{self, Reloader};
use crate::auth::jwt::{JwtConfig, JwtVerifier};
use crate::backend::jobs::{JobQueue, Queues};
use crate::backend::limits::LimitedStore;
use crate::backend::local::{SqliteOptions, SqliteQueue};
use crate::backend::{NodeId, PresenceEvents};
use crate::context::{Backends, Services};
use crate::edge::Edge;
use crate::jobs;
use crate::metrics::Metrics;
use crate::runtime::{AllowedHosts, Runtime};
use crate::settings::Settings;
use crate::socket::connection::Lifecycle;
use crate::socket::presence;
use anyhow::Context;
use arc_swap::ArcSwap;
use axum::serve::ListenerExt;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// A bound server, ready to [`run`](Server::run).
pub struct Server {
    listener: TcpListener,
    admin: Option<TcpListener>,
    services: Arc<Services>,
    presence: PresenceEvents,
    /// Held while serving: one server per data directory.
    _data_lock: Option<std::fs::File>,
}

impl Server {
    /// Loads the app's components and binds the listeners, on the embedded
    /// single-node backends.
    /// With `cluster.redis` set, the node joins that cluster instead.
    pub async fn bind(app_dir: impl Into<PathBuf>, settings: Settings) -> anyhow::Result<Server> {
        let node = NodeId::generate();
        tracing::info!(node = %node, "node started");
        let metrics = Arc::new(Metrics::new(settings.listen.metrics));
        let backends = match settings.cluster.options() {
            Some(options) => Backends::cluster(&options, &node, metrics.clone()).await?,
            None => Backends::local(),
        };
        Self::bind_with(app_dir, settings, backends, node, metrics).await
    }

    /// The same, on the given backends.
    async fn bind_with(
        app_dir: impl Into<PathBuf>,
        settings: Settings,
        backends: Backends,
        node: NodeId,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Server> {
        let app_dir = app_dir.into();
        let allowed = AllowedHosts::new(&settings.http.allowed_outbound_hosts)?;
        let runtime = Runtime::serving(
            settings.limits.clone(),
            settings.cache_dir(),
            allowed,
            metrics.clone(),
        )?;
        let app = App::load(&app_dir, &runtime).await?;
        app.problems.iter().for_each(|_| metrics.load_failed());
        if app.routes.is_empty() && app.api.is_empty() {
            tracing::warn!(
                "no handlers in {}/socket or api/; every message will get an error",
                app_dir.display()
            );
        }
        let listen = settings.listen.addr;
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let admin = match settings.listen.admin {
            Some(addr) if !addr.ip().is_loopback() && settings.listen.admin_token.is_none() => {
                anyhow::bail!(
                    "refusing to serve the admin routes on {addr}, which is not a loopback \
                     address, without --admin-token"
                );
            }
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr} for admin routes"))?,
            ),
            None => None,
        };
        let jwt = match JwtConfig::from_settings(&settings.jwt)? {
            Some(config) => Some(JwtVerifier::new(&config).await?),
            None => None,
        };
        let edge = Edge::new(&settings.edge)?;
        let presence = backends
            .hub
            .presence_events()
            .context("the hub's presence events were taken already")?;
        let (jobs, data_lock) = match backends.jobs {
            Some(jobs) => (Some(jobs), None),
            None => match embedded_queue(&app_dir, &settings)? {
                Some((jobs, lock)) => (Some(jobs), Some(lock)),
                None => (None, None),
            },
        };
        let queues = jobs.map(|jobs| {
            let queues = Queues::new(jobs, settings.jobs.limits());
            queues.set_names(app.queues.keys().map(String::as_str));
            queues
        });
        let services = Arc::new(Services {
            node,
            runtime,
            hub: backends.hub,
            store: LimitedStore::new(backends.store, settings.store.limits()),
            queues,
            metrics,
            edge,
            jwt,
            app: Arc::new(ArcSwap::from_pointee(app)),
            stopping: watch::Sender::new(false),
            app_swapped: Arc::new(watch::Sender::new(())),
            app_dir,
            settings,
        });
        Ok(Server {
            listener,
            admin,
            services,
            presence,
            _data_lock: data_lock,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The admin listener's address, if admin routes are on.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn services(&self) -> &Arc<Services> {
        &self.services
    }

    /// Serves until `shutdown` resolves, then drains; see
    /// [`run_until`](Server::run_until).
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        self.run_until(shutdown, std::future::pending()).await
    }

    /// Serves until `shutdown` resolves, then drains: `/readyz` turns 503,
    /// the listener stops accepting, each connection closes with 1012 at
    /// its own moment of the drain window (after the call it is in), and
    /// the queues stop taking jobs. What is still open after the window
    /// and the grace period, or when `forced` resolves, is dropped.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
        forced: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (done, mut all_done) = mpsc::channel::<()>(1);
        let services = self.services;
        let stop = services.stopping.subscribe();
        let connections = &services.settings.connections;
        let deadline = connections.drain_window() + connections.shutdown_grace();
        tokio::spawn(presence::run_hooks(services.clone(), self.presence));
        let _hot_reload = match services.settings.components.watch {
            true => Some(reload::watch(Reloader {
                app_dir: services.app_dir.clone(),
                runtime: services.runtime.clone(),
                current: services.app.clone(),
                swapped: services.app_swapped.clone(),
            })?),
            false => None,
        };
        let jobs = services.queues.clone().map(|queues| {
            let swapped = services.app_swapped.subscribe();
            tokio::spawn(jobs::run(services.clone(), queues, swapped, stop.clone()))
        });
        // The admin routes stay up through the drain, answering `/readyz`
        // with 503, and end when serving ends.
        let admin = match self.admin {
            Some(listener) => {
                tracing::info!(addr = %listener.local_addr()?, "admin routes listening");
                let admin = axum::serve(listener, admin::router(services.clone()));
                Some(AbortOnDrop(tokio::spawn(async move { admin.await })))
            }
            None => None,
        };
        let router = routes::router(services.clone(), Lifecycle { stop, done });
        tracing::info!(addr = %self.listener.local_addr()?, "listening");
        // Replies are small and written once per batch; Nagle's algorithm
        // would hold them back waiting for an ACK.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!("cannot set TCP_NODELAY: {err}");
            }
        });
        // The peer's address is the client's, unless a trusted proxy
        // forwards for it.
        let app = router.into_make_service_with_connect_info::<SocketAddr>();
        let stopping = services.clone();
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                let window = stopping.settings.connections.drain_window();
                tracing::info!(drain_window = ?window, "stopping: draining connections");
                stopping.stopping.send_replace(true);
            })
            .await?;
        let drained = async {
            let _ = all_done.recv().await;
            if let Some(jobs) = jobs {
                let _ = jobs.await;
            }
        };
        tokio::select! {
            _ = tokio::time::timeout(deadline, drained) => {}
            _ = forced => tracing::warn!("stopping at once (a second signal)"),
        }
        let open = services.metrics.connections.get();
        if open > 0 {
            tracing::warn!(open, "connections still open at exit");
        }
        services.hub.retire().await;
        drop(admin);
        tracing::info!("stopped");
        Ok(())
    }
}

/// A task that ends when its handle is dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The embedded job queue in the data directory, and the lock that keeps
/// a second server off it. Opened when the app has `queues/` or
/// `schedules/`, or a data directory was set; otherwise the app runs no
/// jobs and `push` says there is no such queue.
fn embedded_queue(
    app_dir: &std::path::Path,
    settings: &Settings,
) -> anyhow::Result<Option<(Arc<dyn JobQueue>, std::fs::File)>> {
    let wanted = ["queues", "schedules"]
        .iter()
        .any(|folder| app_dir.join(folder).is_dir());
    if !wanted && settings.jobs.data_dir.is_none() {
        return Ok(None);
    }
    let dir = settings.data_dir(app_dir);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    let lock_path = dir.join("jobs.lock");
    let lock = std::fs::File::create(&lock_path)
        .with_context(|| format!("cannot open {}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        anyhow::bail!(
            "another switchboard serves the data directory {}; give this one its own --data-dir",
            dir.display()
        );
    }
    let path = dir.join("jobs.db");
    let options = SqliteOptions {
        batch_commits: settings.jobs.batch_commits,
        recover: true,
    };
    let queue = SqliteQueue::open(&path, options)
        .with_context(|| format!("cannot open the job queue {}", path.display()))?;
    tracing::info!(path = %path.display(), "job queue open");
    Ok(Some((Arc::new(queue), lock)))
}
