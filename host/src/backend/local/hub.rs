//! The hub of one process: its connections, their users, and delivery to
//! their queues, under one lock.

use super::index::Index;
use crate::backend::{
    BackendError, ConnectionId, ConnectionInfo, Hub, Outbound, Peer, PresenceEvent, PresenceEvents,
    Target,
};
use async_trait::async_trait;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// The in-memory hub of a single server process. It never fails.
///
/// Owned by the server's services; every connection and call holds an
/// `Arc` clone.
#[derive(Debug)]
pub struct LocalHub {
    index: Mutex<Index>,
    /// Told of every presence transition, while the index is locked, so
    /// their order is the transitions' order.
    presence: mpsc::UnboundedSender<PresenceEvent>,
    /// The other end, until someone takes it.
    events: Mutex<Option<PresenceEvents>>,
}

impl Default for LocalHub {
    fn default() -> Self {
        let (presence, events) = mpsc::unbounded_channel();
        LocalHub {
            index: Mutex::default(),
            presence,
            events: Mutex::new(Some(events)),
        }
    }
}

impl LocalHub {
    pub fn new() -> Self {
        Self::default()
    }

    fn announce(&self, user: &str, online: bool) {
        // Nobody listening (a tool's hub) is fine.
        let _ = self.presence.send(PresenceEvent {
            user: user.to_owned(),
            online,
        });
    }
}

#[async_trait]
impl Hub for LocalHub {
    async fn join(&self, peer: Peer) -> Result<(), BackendError> {
        let mut index = self.index.lock().unwrap();
        let user = peer.user.clone();
        if index.join(peer)
            && let Some(user) = &user
        {
            self.announce(user, true);
        }
        Ok(())
    }

    async fn leave(&self, id: &ConnectionId) -> Result<(), BackendError> {
        let mut index = self.index.lock().unwrap();
        if let Some((peer, true)) = index.leave(id)
            && let Some(user) = &peer.user
        {
            self.announce(user, false);
        }
        Ok(())
    }

    async fn send_to_connection(
        &self,
        id: &ConnectionId,
        message: Outbound,
    ) -> Result<bool, BackendError> {
        Ok(self.index.lock().unwrap().send_to_connection(id, message))
    }

    async fn send_to_users(
        &self,
        users: &[String],
        message: Outbound,
    ) -> Result<usize, BackendError> {
        let index = self.index.lock().unwrap();
        Ok(index.send_to_users(users, &message))
    }

    async fn is_online(&self, user: &str) -> Result<bool, BackendError> {
        Ok(self.index.lock().unwrap().has_user(user))
    }

    async fn users(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, usize)>, BackendError> {
        Ok(self.index.lock().unwrap().users_page(after, limit))
    }

    async fn connections(&self, user: &str) -> Result<Vec<ConnectionInfo>, BackendError> {
        Ok(self.index.lock().unwrap().connections(user))
    }

    async fn disconnect(
        &self,
        target: Target<'_>,
        code: u16,
        reason: &str,
    ) -> Result<usize, BackendError> {
        Ok(self.index.lock().unwrap().disconnect(target, code, reason))
    }

    fn presence_events(&self) -> Option<PresenceEvents> {
        self.events.lock().unwrap().take()
    }
}
