//! Who is connected, which user each connection belongs to, and delivery
//! of outbound messages to their queues.
//!
//! Handlers and routing see only the [`Hub`] trait, so that a multi-node
//! hub (for example on Redis) can replace [`LocalHub`] without touching
//! them.

use async_trait::async_trait;
use axum::extract::ws::Utf8Bytes;
use bytes::Bytes;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, mpsc};

/// Identifies one WebSocket connection; unique for the server's lifetime.
pub type ConnectionId = Arc<str>;

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

/// One registered connection: its queue and a way to make it close.
#[derive(Debug, Clone)]
pub struct Peer {
    pub id: ConnectionId,
    pub user: Option<String>,
    pub queue: mpsc::Sender<Outbound>,
    /// Notified when the connection must close because its queue is full.
    pub overflowed: Arc<Notify>,
}

/// A user's first connection opened (`online`) or last one closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceEvent {
    pub user: String,
    pub online: bool,
}

/// The connection and user index plus delivery.
#[async_trait]
pub trait Hub: Send + Sync + 'static {
    /// Registers a connection. A user's first connection is a presence
    /// transition, which the hub reports in order (see [`PresenceEvent`]).
    async fn join(&self, peer: Peer);
    /// Removes a connection; a no-op if it is already gone. A user's last
    /// connection is a presence transition.
    async fn leave(&self, id: &ConnectionId);
    /// Queues a message for one connection. Returns whether it was queued.
    async fn send_to_connection(&self, id: &ConnectionId, message: Outbound) -> bool;
    /// Queues a message for every connection of each user. Returns the
    /// number of connections it was queued for.
    async fn send_to_users(&self, users: &[String], message: Outbound) -> usize;
    /// True while the user has at least one connection.
    async fn is_online(&self, user: &str) -> bool;
}

/// The in-memory hub of a single server process.
///
/// Owned by the server; every connection and every component call holds an
/// `Arc` clone.
#[derive(Debug, Default)]
pub struct LocalHub {
    state: Mutex<State>,
    /// Told of every presence transition, in the order they happen.
    presence: Option<mpsc::UnboundedSender<PresenceEvent>>,
}

#[derive(Debug, Default)]
struct State {
    peers: HashMap<ConnectionId, Peer>,
    users: HashMap<String, HashSet<ConnectionId>>,
}

impl LocalHub {
    pub fn new() -> Self {
        Self::default()
    }

    /// A hub that reports presence transitions on `events`. They are sent
    /// while the index is locked, so their order is the transitions' order.
    pub fn with_presence(events: mpsc::UnboundedSender<PresenceEvent>) -> Self {
        LocalHub {
            state: Mutex::default(),
            presence: Some(events),
        }
    }

    fn announce(&self, user: &str, online: bool) {
        if let Some(events) = &self.presence {
            let _ = events.send(PresenceEvent {
                user: user.to_owned(),
                online,
            });
        }
    }
}

#[async_trait]
impl Hub for LocalHub {
    async fn join(&self, peer: Peer) {
        let mut state = self.state.lock().unwrap();
        if let Some(user) = &peer.user {
            let conns = state.users.entry(user.clone()).or_default();
            if conns.is_empty() {
                self.announce(user, true);
            }
            conns.insert(peer.id.clone());
        }
        state.peers.insert(peer.id.clone(), peer);
    }

    async fn leave(&self, id: &ConnectionId) {
        let mut state = self.state.lock().unwrap();
        let Some(peer) = state.peers.remove(id) else {
            return;
        };
        if let Some(user) = &peer.user
            && let Some(conns) = state.users.get_mut(user)
        {
            conns.remove(id);
            if conns.is_empty() {
                state.users.remove(user);
                self.announce(user, false);
            }
        }
    }

    async fn send_to_connection(&self, id: &ConnectionId, message: Outbound) -> bool {
        let state = self.state.lock().unwrap();
        state
            .peers
            .get(id)
            .is_some_and(|peer| enqueue(peer, message))
    }

    async fn send_to_users(&self, users: &[String], message: Outbound) -> usize {
        let state = self.state.lock().unwrap();
        let mut queued = 0;
        let mut seen = HashSet::new();
        for user in users.iter().filter(|u| users.len() == 1 || seen.insert(*u)) {
            for id in state.users.get(user).into_iter().flatten() {
                if let Some(peer) = state.peers.get(id) {
                    queued += usize::from(enqueue(peer, message.clone()));
                }
            }
        }
        queued
    }

    async fn is_online(&self, user: &str) -> bool {
        self.state.lock().unwrap().users.contains_key(user)
    }
}

/// Queues without waiting. A full queue means the client stopped reading:
/// it is told to close rather than buffered without bound.
fn enqueue(peer: &Peer, message: Outbound) -> bool {
    match peer.queue.try_send(message) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            tracing::warn!(connection = %peer.id, "outbound queue full; disconnecting slow client");
            peer.overflowed.notify_one();
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}
