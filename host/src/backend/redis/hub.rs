//! The hub of a cluster node. Its own connections live in a local
//! [`Index`], so delivery to them never leaves the process; Redis holds
//! who is connected where (each user's connection count by node), and
//! each node's channel carries what other nodes send to its connections.
//!
//! - **Delivery:** local connections first, straight to their queues; then
//!   one pipelined read of the recipients' node counts, and one `PUBLISH`
//!   per other node that holds any of them, naming its users. The message
//!   is encoded once per receiving node.
//! - **Presence:** a Lua script per join and leave keeps each user's
//!   counts by node, and says when the user came online anywhere or went
//!   offline everywhere; that node runs the hook. One user's joins and
//!   leaves on this node take a lock, so their transitions are announced
//!   in order.
//! - **Node death:** see [`super::nodes`].

use super::keys::Keys;
use super::scripts::{JOIN, LEAVE, REPLACE};
use super::wire::Note;
use crate::backend::local::Index;
use crate::backend::{
    BackendError, ConnectionId, ConnectionInfo, Hub, Outbound, Peer, PresenceEvent, PresenceEvents,
    Target,
};
use crate::metrics::Metrics;
use async_trait::async_trait;
use redis::aio::ConnectionManager;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// Locks that keep one user's presence changes on this node in order.
const USER_LOCKS: usize = 64;

/// A cluster node's hub.
///
/// Owned by the server's services; the node's background tasks (the
/// subscriber, the heartbeat, the reaper) hold `Arc` clones.
pub struct RedisHub {
    pub(super) node: String,
    pub(super) keys: Keys,
    pub(super) url: String,
    pub(super) conn: ConnectionManager,
    pub(super) index: Mutex<Index>,
    presence: mpsc::UnboundedSender<PresenceEvent>,
    events: Mutex<Option<PresenceEvents>>,
    user_locks: Vec<tokio::sync::Mutex<()>>,
    hasher: std::hash::RandomState,
    /// Set when Redis missed a change of this node's connections: the
    /// heartbeat then states them all again.
    pub(super) dirty: AtomicBool,
    /// Why the node is not healthy (Redis unreachable, the subscription
    /// silent); `None` while it is.
    pub(super) trouble: Mutex<[Option<String>; 2]>,
    /// False from a failed call to Redis until the heartbeat gets through
    /// again: meanwhile calls skip Redis and fail at once, so that local
    /// traffic never waits on it.
    pub(super) reachable: AtomicBool,
    pub(super) metrics: Arc<Metrics>,
}

impl RedisHub {
    pub(super) fn new(
        node: String,
        keys: Keys,
        url: String,
        conn: ConnectionManager,
        metrics: Arc<Metrics>,
    ) -> RedisHub {
        let (presence, events) = mpsc::unbounded_channel();
        RedisHub {
            node,
            keys,
            url,
            conn,
            index: Mutex::default(),
            presence,
            events: Mutex::new(Some(events)),
            user_locks: (0..USER_LOCKS).map(|_| Default::default()).collect(),
            hasher: std::hash::RandomState::new(),
            dirty: AtomicBool::new(false),
            trouble: Mutex::default(),
            reachable: AtomicBool::new(true),
            metrics,
        }
    }

    fn user_lock(&self, user: &str) -> &tokio::sync::Mutex<()> {
        let mut hasher = self.hasher.build_hasher();
        hasher.write(user.as_bytes());
        &self.user_locks[hasher.finish() as usize % USER_LOCKS]
    }

    pub(super) fn announce(&self, user: &str, online: bool) {
        let _ = self.presence.send(PresenceEvent {
            user: user.to_owned(),
            online,
        });
    }

    pub(super) fn error(&self, what: &str, err: redis::RedisError) -> BackendError {
        self.note_failure(&err);
        BackendError(format!("{what}: cannot reach Redis at {}: {err}", self.url))
    }

    /// Marks Redis unreachable after a failure of the connection (not of a
    /// command).
    pub(super) fn note_failure(&self, err: &redis::RedisError) {
        if err.is_io_error() || err.is_connection_dropped() || err.is_timeout() {
            self.reachable.store(false, Ordering::Release);
            self.set_trouble(Some(format!("cannot reach Redis at {}: {err}", self.url)));
        }
    }

    /// The error of a call made while Redis is known to be unreachable.
    fn down(&self) -> Option<redis::RedisError> {
        (!self.reachable.load(Ordering::Acquire)).then(|| {
            redis::RedisError::from((
                redis::ErrorKind::Io,
                "Redis is unreachable; retrying in the background",
            ))
        })
    }

    /// Says why the node is unhealthy, or that it is well again, as to
    /// Redis or to the subscription (`kind`); logs the change.
    pub(super) fn set_trouble_of(&self, kind: Trouble, trouble: Option<String>) {
        let mut current = self.trouble.lock().unwrap();
        let slot = &mut current[kind as usize];
        if *slot != trouble {
            match &trouble {
                Some(why) => tracing::error!("cluster: {why}"),
                None => tracing::info!("cluster: {} again", kind.healthy()),
            }
            *slot = trouble;
        }
    }

    pub(super) fn set_trouble(&self, trouble: Option<String>) {
        self.set_trouble_of(Trouble::Redis, trouble);
    }

    /// Runs a presence script for `user`'s connections on `node` and acts
    /// on its answer: the hook's event, the online set, and this node's
    /// set of users. Returns the transition.
    pub(super) async fn presence_script(
        &self,
        script: &redis::Script,
        user: &str,
        node: &str,
        args: &[String],
    ) -> Result<i64, redis::RedisError> {
        if let Some(err) = self.down() {
            return Err(err);
        }
        let mut conn = self.conn.clone();
        let mut invocation = script.key(self.keys.counts(user));
        invocation.key(self.keys.conns(user)).arg(node);
        for arg in args {
            invocation.arg(arg);
        }
        let (transition, here): (i64, i64) = invocation.invoke_async(&mut conn).await?;
        let mut pipe = redis::pipe();
        if node == self.node {
            let node_users = self.keys.node_users(node);
            match here > 0 {
                true => pipe.sadd(&node_users, user).ignore(),
                false => pipe.srem(&node_users, user).ignore(),
            };
        }
        match transition {
            1 => pipe.zadd(self.keys.online(), user, 0).ignore(),
            -1 => pipe.zrem(self.keys.online(), user).ignore(),
            _ => &mut pipe,
        };
        if !pipe.is_empty() {
            pipe.query_async::<()>(&mut conn).await?;
        }
        if transition != 0 {
            self.announce(user, transition == 1);
        }
        Ok(transition)
    }

    /// States that the dead `node` holds none of `user`'s connections;
    /// true if that took the user offline.
    pub(super) async fn reap_user(
        &self,
        node: &str,
        user: &str,
    ) -> Result<bool, redis::RedisError> {
        let _order = self.user_lock(user).lock().await;
        Ok(self.presence_script(&REPLACE, user, node, &[]).await? == -1)
    }

    /// A Redis call failed for a change to this node's connections: the
    /// heartbeat will state them again.
    fn missed(&self, what: &str, err: redis::RedisError) {
        self.dirty.store(true, Ordering::Release);
        self.note_failure(&err);
        tracing::warn!(url = %self.url, "{what}: cannot reach Redis ({err}); the node re-registers its connections once it can");
    }

    /// Each recipient's connection counts on other nodes, by node.
    async fn remote_nodes(
        &self,
        users: &[&String],
    ) -> Result<HashMap<String, (Vec<String>, usize)>, redis::RedisError> {
        if let Some(err) = self.down() {
            return Err(err);
        }
        let mut pipe = redis::pipe();
        for user in users {
            pipe.hgetall(self.keys.counts(user));
        }
        let mut conn = self.conn.clone();
        let counts: Vec<HashMap<String, usize>> = pipe.query_async(&mut conn).await?;
        let mut by_node: HashMap<String, (Vec<String>, usize)> = HashMap::new();
        for (user, nodes) in users.iter().zip(counts) {
            for (node, count) in nodes {
                if node != self.node {
                    let entry = by_node.entry(node).or_default();
                    entry.0.push((*user).clone());
                    entry.1 += count;
                }
            }
        }
        Ok(by_node)
    }

    async fn publish(&self, notes: Vec<(String, Vec<u8>)>) -> Result<usize, redis::RedisError> {
        if notes.is_empty() {
            return Ok(0);
        }
        if let Some(err) = self.down() {
            return Err(err);
        }
        let mut pipe = redis::pipe();
        for (node, note) in &notes {
            pipe.publish(self.keys.channel(node), note.as_slice());
        }
        let mut conn = self.conn.clone();
        let heard: Vec<usize> = pipe.query_async(&mut conn).await?;
        Ok(heard.into_iter().sum())
    }

    /// A cross-node delivery that failed: counted, logged, and said to the
    /// caller.
    fn undelivered(&self, err: redis::RedisError) -> BackendError {
        self.note_failure(&err);
        self.metrics.cluster_send_failed();
        tracing::warn!(url = %self.url, "a cross-node send failed: {err}");
        BackendError(format!(
            "cannot reach the cluster's Redis at {} ({err}): this node's connections got the \
             message, others may not have",
            self.url
        ))
    }

    /// The users with connections on this node, and their connections.
    pub(super) fn local_users(&self) -> HashMap<String, Vec<ConnectionInfo>> {
        let index = self.index.lock().unwrap();
        index
            .user_counts()
            .map(|(user, _)| (user.clone(), index.connections(user)))
            .collect()
    }

    /// States one user's connections on this node in full.
    pub(super) async fn restate(
        &self,
        user: &str,
        connections: &[ConnectionInfo],
    ) -> Result<(), redis::RedisError> {
        let _order = self.user_lock(user).lock().await;
        let args: Vec<String> = connections
            .iter()
            .flat_map(|info| [info.id.to_string(), describe(info.since, &info.remote)])
            .collect();
        self.presence_script(&REPLACE, user, &self.node, &args)
            .await
            .map(drop)
    }

    /// This node's connections as Redis should know them: every user it
    /// holds, and every user Redis thinks it holds (now with none).
    pub(super) async fn restate_all(&self) -> Result<usize, redis::RedisError> {
        let mut conn = self.conn.clone();
        let listed: HashSet<String> = redis::cmd("SMEMBERS")
            .arg(self.keys.node_users(&self.node))
            .query_async(&mut conn)
            .await?;
        let local = self.local_users();
        let mut restated = 0;
        for (user, connections) in &local {
            self.restate(user, connections).await?;
            restated += connections.len();
        }
        for user in listed.iter().filter(|user| !local.contains_key(*user)) {
            self.restate(user, &[]).await?;
        }
        Ok(restated)
    }

    /// Acts on a note from another node.
    pub(super) fn receive(&self, note: Note) {
        let index = self.index.lock().unwrap();
        match note {
            Note::Users(users, message) => {
                index.send_to_users(&users, &message);
            }
            Note::Connection(id, message) => {
                index.send_to_connection(&id, message);
            }
            Note::DisconnectUser(user, code, reason) => {
                index.disconnect(Target::User(&user), code, &reason);
            }
            Note::DisconnectConnection(id, code, reason) => {
                index.disconnect(Target::Connection(&id), code, &reason);
            }
            Note::Probe(_) => {}
        }
    }
}

/// What a node's health depends on.
#[derive(Debug, Clone, Copy)]
pub(super) enum Trouble {
    Redis = 0,
    Subscription = 1,
}

impl Trouble {
    fn healthy(self) -> &'static str {
        match self {
            Trouble::Redis => "Redis reachable",
            Trouble::Subscription => "the subscription delivers",
        }
    }
}

/// A connection's entry in its user's `conns` hash.
fn describe(since: SystemTime, remote: &str) -> String {
    let ms = since
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    format!("{ms} {remote}")
}

/// The node a connection id names: everything before its last `-`.
fn node_of(id: &str) -> &str {
    id.rsplit_once('-').map_or("", |(node, _)| node)
}

#[async_trait]
impl Hub for RedisHub {
    async fn join(&self, peer: Peer) -> Result<(), BackendError> {
        let Some(user) = peer.user.clone() else {
            self.index.lock().unwrap().join(peer);
            return Ok(());
        };
        let _order = self.user_lock(&user).lock().await;
        let args = [
            peer.id.to_string(),
            describe(peer.link.since, &peer.link.remote),
        ];
        self.index.lock().unwrap().join(peer);
        if let Err(err) = self.presence_script(&JOIN, &user, &self.node, &args).await {
            self.missed("a connection opened", err);
        }
        Ok(())
    }

    async fn leave(&self, id: &ConnectionId) -> Result<(), BackendError> {
        let Some((peer, _)) = self.index.lock().unwrap().leave(id) else {
            return Ok(());
        };
        let Some(user) = peer.user else {
            return Ok(());
        };
        let _order = self.user_lock(&user).lock().await;
        let args = [id.to_string()];
        if let Err(err) = self.presence_script(&LEAVE, &user, &self.node, &args).await {
            self.missed("a connection closed", err);
        }
        Ok(())
    }

    async fn send_to_connection(
        &self,
        id: &ConnectionId,
        message: Outbound,
    ) -> Result<bool, BackendError> {
        let node = node_of(id);
        if node == self.node {
            return Ok(self.index.lock().unwrap().send_to_connection(id, message));
        }
        let note = Note::Connection(id.to_string(), message).encode();
        match self.publish(vec![(node.to_owned(), note)]).await {
            Ok(heard) => Ok(heard > 0),
            Err(err) => Err(self.undelivered(err)),
        }
    }

    async fn send_to_users(
        &self,
        users: &[String],
        message: Outbound,
    ) -> Result<usize, BackendError> {
        let local = self.index.lock().unwrap().send_to_users(users, &message);
        let mut seen = HashSet::new();
        let unique: Vec<&String> = users.iter().filter(|user| seen.insert(*user)).collect();
        let by_node = match self.remote_nodes(&unique).await {
            Ok(by_node) => by_node,
            Err(err) => return Err(self.undelivered(err)),
        };
        let mut reached = local;
        let mut notes = Vec::with_capacity(by_node.len());
        for (node, (users, count)) in by_node {
            reached += count;
            notes.push((node, Note::Users(users, message.clone()).encode()));
        }
        match self.publish(notes).await {
            Ok(_) => Ok(reached),
            Err(err) => Err(self.undelivered(err)),
        }
    }

    async fn is_online(&self, user: &str) -> Result<bool, BackendError> {
        if self.index.lock().unwrap().has_user(user) {
            return Ok(true);
        }
        if let Some(err) = self.down() {
            return Err(self.error("is-online", err));
        }
        let mut conn = self.conn.clone();
        redis::cmd("EXISTS")
            .arg(self.keys.counts(user))
            .query_async(&mut conn)
            .await
            .map_err(|err| self.error("is-online", err))
    }

    async fn users(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, usize)>, BackendError> {
        let mut conn = self.conn.clone();
        let start = after.map_or("-".to_owned(), |after| format!("({after}"));
        let page: Vec<String> = redis::cmd("ZRANGEBYLEX")
            .arg(self.keys.online())
            .arg(start)
            .arg("+")
            .arg("LIMIT")
            .arg(0)
            .arg(limit)
            .query_async(&mut conn)
            .await
            .map_err(|err| self.error("listing users", err))?;
        let mut pipe = redis::pipe();
        for user in &page {
            pipe.hvals(self.keys.counts(user));
        }
        let counts: Vec<Vec<usize>> = pipe
            .query_async(&mut conn)
            .await
            .map_err(|err| self.error("listing users", err))?;
        Ok(page
            .into_iter()
            .zip(counts)
            .map(|(user, counts)| (user, counts.into_iter().sum::<usize>()))
            .filter(|(_, count)| *count > 0)
            .collect())
    }

    async fn connections(&self, user: &str) -> Result<Vec<ConnectionInfo>, BackendError> {
        let mut conn = self.conn.clone();
        let entries: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(self.keys.conns(user))
            .query_async(&mut conn)
            .await
            .map_err(|err| self.error("listing connections", err))?;
        let mut found: Vec<ConnectionInfo> = entries
            .into_iter()
            .map(|(id, info)| {
                let (ms, remote) = info.split_once(' ').unwrap_or((&info, ""));
                let since = UNIX_EPOCH + Duration::from_millis(ms.parse().unwrap_or(0));
                ConnectionInfo {
                    node: node_of(&id).to_owned(),
                    id: id.into(),
                    since,
                    remote: remote.to_owned(),
                }
            })
            .collect();
        found.sort_by_key(|info| info.since);
        Ok(found)
    }

    async fn disconnect(
        &self,
        target: Target<'_>,
        code: u16,
        reason: &str,
    ) -> Result<usize, BackendError> {
        let local = self.index.lock().unwrap().disconnect(target, code, reason);
        let notes = match target {
            Target::Connection(id) if node_of(id) == self.node => Vec::new(),
            Target::Connection(id) => {
                let note = Note::DisconnectConnection(id.to_owned(), code, reason.to_owned());
                vec![(node_of(id).to_owned(), note.encode())]
            }
            Target::User(user) => {
                let owned = user.to_owned();
                let by_node = (self.remote_nodes(&[&owned]).await)
                    .map_err(|err| self.error("disconnecting", err))?;
                let note = Note::DisconnectUser(owned.clone(), code, reason.to_owned()).encode();
                let remote: usize = by_node.values().map(|(_, count)| count).sum();
                let notes = by_node
                    .into_keys()
                    .map(|node| (node, note.clone()))
                    .collect();
                return match self.publish(notes).await {
                    Ok(_) => Ok(local + remote),
                    Err(err) => Err(self.error("disconnecting", err)),
                };
            }
        };
        let heard = (self.publish(notes).await).map_err(|err| self.error("disconnecting", err))?;
        Ok(local + heard.min(1))
    }

    fn presence_events(&self) -> Option<PresenceEvents> {
        self.events.lock().unwrap().take()
    }

    fn trouble(&self) -> Option<String> {
        let trouble = self.trouble.lock().unwrap();
        trouble.iter().flatten().next().cloned()
    }

    async fn retire(&self) {
        super::nodes::retire(self).await;
    }
}
