//! The hub of one process: its connections, their users, and delivery to
//! their queues, under one lock.

use crate::backend::{
    BackendError, ConnectionId, ConnectionInfo, Hub, Outbound, Peer, PresenceEvent, PresenceEvents,
    Target,
};
use async_trait::async_trait;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use tokio::sync::mpsc;

/// The in-memory hub of a single server process. It never fails.
///
/// Owned by the server's services; every connection and call holds an
/// `Arc` clone.
#[derive(Debug)]
pub struct LocalHub {
    state: Mutex<State>,
    /// Told of every presence transition, while the index is locked, so
    /// their order is the transitions' order.
    presence: mpsc::UnboundedSender<PresenceEvent>,
    /// The other end, until someone takes it.
    events: Mutex<Option<PresenceEvents>>,
}

#[derive(Debug, Default)]
struct State {
    peers: HashMap<ConnectionId, Peer>,
    users: HashMap<String, HashSet<ConnectionId>>,
}

impl Default for LocalHub {
    fn default() -> Self {
        let (presence, events) = mpsc::unbounded_channel();
        LocalHub {
            state: Mutex::default(),
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
        let mut state = self.state.lock().unwrap();
        if let Some(user) = &peer.user {
            let conns = state.users.entry(user.clone()).or_default();
            if conns.is_empty() {
                self.announce(user, true);
            }
            conns.insert(peer.id.clone());
        }
        state.peers.insert(peer.id.clone(), peer);
        Ok(())
    }

    async fn leave(&self, id: &ConnectionId) -> Result<(), BackendError> {
        let mut state = self.state.lock().unwrap();
        let Some(peer) = state.peers.remove(id) else {
            return Ok(());
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
        Ok(())
    }

    async fn send_to_connection(
        &self,
        id: &ConnectionId,
        message: Outbound,
    ) -> Result<bool, BackendError> {
        let state = self.state.lock().unwrap();
        Ok(state
            .peers
            .get(id)
            .is_some_and(|peer| peer.enqueue(message)))
    }

    async fn send_to_users(
        &self,
        users: &[String],
        message: Outbound,
    ) -> Result<usize, BackendError> {
        let state = self.state.lock().unwrap();
        let mut queued = 0;
        let mut seen = HashSet::new();
        for user in users.iter().filter(|u| users.len() == 1 || seen.insert(*u)) {
            for id in state.users.get(user).into_iter().flatten() {
                if let Some(peer) = state.peers.get(id) {
                    queued += usize::from(peer.enqueue(message.clone()));
                }
            }
        }
        Ok(queued)
    }

    async fn is_online(&self, user: &str) -> Result<bool, BackendError> {
        Ok(self.state.lock().unwrap().users.contains_key(user))
    }

    async fn users(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, usize)>, BackendError> {
        let state = self.state.lock().unwrap();
        let mut page: Vec<(&String, usize)> = state
            .users
            .iter()
            .filter(|(user, _)| after.is_none_or(|after| user.as_str() > after))
            .map(|(user, conns)| (user, conns.len()))
            .collect();
        // Only the page is sorted fully; the rest is partitioned away.
        if page.len() > limit {
            page.select_nth_unstable(limit);
            page.truncate(limit);
        }
        page.sort_unstable();
        Ok(page.into_iter().map(|(u, n)| (u.clone(), n)).collect())
    }

    async fn connections(&self, user: &str) -> Result<Vec<ConnectionInfo>, BackendError> {
        let state = self.state.lock().unwrap();
        let ids = state.users.get(user).into_iter().flatten();
        let mut found: Vec<ConnectionInfo> = ids
            .filter_map(|id| state.peers.get(id).map(Peer::info))
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
        let state = self.state.lock().unwrap();
        let peers: Vec<&Peer> = match target {
            Target::Connection(id) => state.peers.get(id).into_iter().collect(),
            Target::User(user) => (state.users.get(user).into_iter().flatten())
                .filter_map(|id| state.peers.get(id))
                .collect(),
        };
        for peer in &peers {
            peer.link.close(code, reason.to_owned());
        }
        Ok(peers.len())
    }

    fn presence_events(&self) -> Option<PresenceEvents> {
        self.events.lock().unwrap().take()
    }
}
