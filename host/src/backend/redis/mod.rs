//! The backends of a cluster: many nodes on one Redis, behaving as one
//! server. The hub ([`RedisHub`]) keeps each node's connections local and
//! who is connected where in Redis; `nodes` runs each node's heartbeat,
//! subscription and reaper; `keys` names every key (see its table);
//! `wire` encodes what nodes send each other; `scripts` holds the Lua that
//! makes presence transitions atomic. The store (`store`) and the job
//! queue (`jobs`, on Streams) are shared by every node.

mod hub;
mod jobs;
mod keys;
mod nodes;
mod queue_scripts;
mod scripts;
mod store;
mod wire;

pub use hub::RedisHub;
pub use jobs::RedisQueue;
pub use store::RedisStore;

use crate::backend::{BackendError, Hub};
use crate::metrics::Metrics;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::Arc;
use std::time::Duration;

/// How a node joins a cluster.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// `redis://HOST:PORT[/DB]`.
    pub url: String,
    /// The first part of every key and channel name.
    pub prefix: String,
    /// How long a node's heartbeat lives: a node silent for longer is
    /// taken for dead.
    pub node_ttl: Duration,
}

/// A node's backends on the cluster's Redis.
pub struct Cluster {
    pub hub: Arc<RedisHub>,
    pub store: Arc<RedisStore>,
    pub jobs: Arc<RedisQueue>,
}

/// Connects this node to the cluster's Redis and joins: fails, naming the
/// URL, if Redis cannot be reached.
pub async fn join(
    options: &ClusterOptions,
    node: &str,
    metrics: Arc<Metrics>,
) -> Result<Cluster, BackendError> {
    let unreachable = |err: redis::RedisError| {
        BackendError(format!("cannot reach Redis at {}: {err}", options.url))
    };
    let client = redis::Client::open(options.url.as_str()).map_err(unreachable)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_secs(1));
    let conn = tokio::time::timeout(
        Duration::from_secs(5),
        ConnectionManager::new_with_config(client.clone(), config),
    )
    .await
    .map_err(|_| BackendError(format!("cannot reach Redis at {}: timed out", options.url)))?
    .map_err(unreachable)?;
    let keys = keys::Keys::new(&options.prefix);
    let jobs = Arc::new(RedisQueue::new(
        keys.clone(),
        options.url.clone(),
        node.to_owned(),
        conn.clone(),
    ));
    let store = Arc::new(RedisStore::new(
        keys.clone(),
        options.url.clone(),
        conn.clone(),
    ));
    let hub = Arc::new(RedisHub::new(
        node.to_owned(),
        keys,
        options.url.clone(),
        conn,
        metrics,
    ));
    nodes::rejoin(&hub, options.node_ttl).await;
    if let Some(trouble) = hub.trouble() {
        return Err(BackendError(trouble));
    }
    nodes::spawn(&hub, client, options.node_ttl);
    tracing::info!(url = %options.url, prefix = %options.prefix, "joined the cluster");
    Ok(Cluster { hub, store, jobs })
}
