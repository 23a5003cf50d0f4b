//! Backends: where the facts that outlive one call live. The [`Hub`]
//! knows which connections are open, whose they are, and delivers to
//! them; the [`AppStore`] keeps components' shared state; the
//! [`JobQueue`](jobs::JobQueue) keeps queued jobs and schedule ticks.
//!
//! All are traits whose calls can fail with a [`BackendError`], so that
//! a networked implementation (Redis, for many nodes) can sit behind them.
//! [`local`] holds the embedded ones of a single process. Store limits are
//! not the backends' business: [`limits::LimitedStore`] enforces them once,
//! above the trait, for every backend.
//!
//! Depends on nothing else in the crate.

pub mod jobs;
pub mod limits;
pub mod local;
pub mod null;
pub mod redis;

use async_trait::async_trait;
use axum::extract::ws::Utf8Bytes;
use bytes::Bytes;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use tokio::sync::{Notify, mpsc};

/// Why a backend could not do what it was asked. The text reaches guests
/// as an error and the log as a reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("backend unavailable: {0}")]
pub struct BackendError(pub String);

/// Identifies one WebSocket connection, unique across nodes and restarts:
/// the node's id, then a counter.
pub type ConnectionId = Arc<str>;

/// This server process among the nodes sharing a backend. Generated at
/// start; every id the node hands out begins with it.
#[derive(Clone, PartialEq, Eq)]
pub struct NodeId(Arc<str>);

impl NodeId {
    /// A fresh random id of 12 hex digits.
    pub fn generate() -> NodeId {
        use std::hash::{BuildHasher, Hasher};
        // RandomState is seeded from the OS per process; mixing in the
        // time and pid keeps two nodes started together apart.
        let mut hasher = std::hash::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        NodeId(format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff).into())
    }

    /// `<node>-<kind><n>`: a connection (`c`) or request (`r`) id.
    pub fn next_id(&self, kind: char) -> String {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        format!("{}-{kind}{}", self.0, NEXT.fetch_add(1, Ordering::Relaxed))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({})", self.0)
    }
}

/// A message on its way to a client. Cloning is cheap, so a fan-out
/// serializes once.
#[derive(Debug, Clone, PartialEq)]
pub enum Outbound {
    Text(Utf8Bytes),
    Binary(Bytes),
}

impl Outbound {
    pub fn len(&self) -> usize {
        match self {
            Outbound::Text(text) => text.len(),
            Outbound::Binary(bytes) => bytes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One open connection on this node: its id, its user, its bounded
/// outbound queue, and its [`Link`]. Cloned into the hub and into every
/// call the connection makes, so that replies to it go straight to its
/// queue.
#[derive(Debug, Clone)]
pub struct Peer {
    pub id: ConnectionId,
    pub user: Option<String>,
    pub queue: mpsc::Sender<Outbound>,
    pub link: Arc<Link>,
}

/// What the hub knows of a connection besides its queue: since when and
/// from where it is open, and the signals that close it.
#[derive(Debug)]
pub struct Link {
    pub since: SystemTime,
    /// The client's address (its IP alone when a proxy forwarded for it).
    pub remote: String,
    /// Notified when the connection must close because its queue is full.
    pub overflowed: Notify,
    /// Notified when the connection must close with [`Link::closing`].
    closed: Notify,
    closing: Mutex<Option<(u16, String)>>,
}

impl Link {
    pub fn new(remote: String) -> Link {
        Link {
            since: SystemTime::now(),
            remote,
            overflowed: Notify::new(),
            closed: Notify::new(),
            closing: Mutex::new(None),
        }
    }

    /// Asks the connection to close with `code` and `reason`, after what
    /// is already queued for it.
    pub fn close(&self, code: u16, reason: String) {
        *self.closing.lock().unwrap() = Some((code, reason));
        self.closed.notify_one();
    }

    /// Waits until [`close`](Link::close) is called; returns its code and
    /// reason.
    pub async fn closed(&self) -> (u16, String) {
        loop {
            if let Some(why) = self.closing.lock().unwrap().take() {
                return why;
            }
            self.closed.notified().await;
        }
    }
}

impl Peer {
    /// Queues without waiting. A full queue means the client stopped
    /// reading: it is told to close rather than buffered without bound.
    /// Returns whether the message was queued.
    pub fn enqueue(&self, message: Outbound) -> bool {
        match self.queue.try_send(message) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(connection = %self.id, "outbound queue full; disconnecting slow client");
                self.link.overflowed.notify_one();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// What the admin API shows of it.
    pub fn info(&self) -> ConnectionInfo {
        ConnectionInfo {
            node: self
                .id
                .rsplit_once('-')
                .map_or("", |(node, _)| node)
                .to_owned(),
            id: self.id.clone(),
            since: self.link.since,
            remote: self.link.remote.clone(),
        }
    }
}

/// One connection, as the admin API lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    pub id: ConnectionId,
    /// The node that holds it.
    pub node: String,
    pub since: SystemTime,
    pub remote: String,
}

/// Which connections to close.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Connection(&'a str),
    User(&'a str),
}

/// A user's first connection opened (`online`) or last one closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceEvent {
    pub user: String,
    pub online: bool,
}

/// Presence transitions in the order they happened. Each comes from a
/// connection opening or closing, so there are at most two per connection.
pub type PresenceEvents = mpsc::UnboundedReceiver<PresenceEvent>;

/// The connection and user index, delivery, and presence.
#[async_trait]
pub trait Hub: Send + Sync + 'static {
    /// Registers a connection. A user's first connection is a presence
    /// transition, reported on [`presence_events`](Hub::presence_events).
    async fn join(&self, peer: Peer) -> Result<(), BackendError>;
    /// Removes a connection; a no-op if it is already gone. A user's last
    /// connection is a presence transition.
    async fn leave(&self, id: &ConnectionId) -> Result<(), BackendError>;
    /// Queues a message for one connection. Returns whether it was queued.
    async fn send_to_connection(
        &self,
        id: &ConnectionId,
        message: Outbound,
    ) -> Result<bool, BackendError>;
    /// Queues a message for every connection of each user (a user listed
    /// twice gets it once). Returns the number of connections reached.
    async fn send_to_users(
        &self,
        users: &[String],
        message: Outbound,
    ) -> Result<usize, BackendError>;
    /// True while the user has at least one connection.
    async fn is_online(&self, user: &str) -> Result<bool, BackendError>;
    /// Up to `limit` online users after `after`, in id order, each with
    /// the number of connections they hold.
    async fn users(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, usize)>, BackendError>;
    /// The open connections of one user; empty when they are offline.
    async fn connections(&self, user: &str) -> Result<Vec<ConnectionInfo>, BackendError>;
    /// Closes the target's connections with `code` and `reason`, after
    /// what is queued for them. Returns how many it asked to close.
    async fn disconnect(
        &self,
        target: Target<'_>,
        code: u16,
        reason: &str,
    ) -> Result<usize, BackendError>;
    /// The stream of presence transitions, in order. There is one stream
    /// per hub: the first call takes it, later ones get `None`.
    fn presence_events(&self) -> Option<PresenceEvents>;
    /// Why the hub cannot do its work now (its backend unreachable), for
    /// `/healthz`; `None` while it can.
    fn trouble(&self) -> Option<String> {
        None
    }
    /// Called once as the server stops, after its connections closed: a
    /// networked hub says this node is gone.
    async fn retire(&self) {}
}

/// Raw storage of components' shared state: string values and string
/// sets under string keys. No limits are applied here; see
/// [`limits::LimitedStore`], which every caller goes through.
#[async_trait]
pub trait AppStore: Send + Sync + 'static {
    async fn get(&self, key: &str) -> Result<Option<String>, BackendError>;
    /// Fails with [`StoreError::WrongKind`] if the key holds a set.
    async fn set(&self, key: &str, value: &str) -> Result<(), StoreError>;
    /// True if the key existed.
    async fn delete(&self, key: &str) -> Result<bool, BackendError>;
    /// True if the member was new. Fails with [`StoreError::WrongKind`] if
    /// the key holds a value.
    async fn set_add(&self, key: &str, member: &str) -> Result<bool, StoreError>;
    /// True if the member was there.
    async fn set_remove(&self, key: &str, member: &str) -> Result<bool, BackendError>;
    async fn set_members(&self, key: &str) -> Result<Vec<String>, BackendError>;
    /// What a key holds now, for the limits' arithmetic.
    async fn entry_size(&self, key: &str) -> Result<EntrySize, BackendError>;
    /// What the whole store holds now.
    async fn usage(&self) -> Result<Usage, BackendError>;
}

/// The size of one key's entry; all zero when the key is absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntrySize {
    pub exists: bool,
    /// Bytes of the key plus its value, or plus every member.
    pub bytes: u64,
    /// Members, when it is a set.
    pub members: u64,
}

/// The size of the whole store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub keys: u64,
    /// Bytes of every key, value and member.
    pub bytes: u64,
}

/// Why a store call was refused; the text goes back to the component.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("key is longer than {0} bytes")]
    KeyTooLong(usize),
    #[error("value is longer than {0} bytes")]
    ValueTooLong(usize),
    #[error("the store holds {0} keys already")]
    Full(usize),
    #[error("the set holds {0} members already")]
    SetFull(usize),
    #[error("the store would pass its cap of {0} bytes")]
    TooManyBytes(u64),
    #[error("key holds a set, not a value (or the other way round)")]
    WrongKind,
    #[error(transparent)]
    Backend(#[from] BackendError),
}
