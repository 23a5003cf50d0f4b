//! The connections of this process, by id and by user: what the embedded
//! hub is, and what a networked hub keeps for its own node, so that
//! delivery to local connections never leaves the process.

use crate::backend::{ConnectionId, ConnectionInfo, Outbound, Peer, Target};
use std::collections::{HashMap, HashSet};

/// This node's connections. Not locked itself: its owner holds it under
/// one lock.
#[derive(Debug, Default)]
pub struct Index {
    peers: HashMap<ConnectionId, Peer>,
    users: HashMap<String, HashSet<ConnectionId>>,
}

impl Index {
    /// Adds a connection; true if it is its user's first here.
    pub fn join(&mut self, peer: Peer) -> bool {
        let mut first = false;
        if let Some(user) = &peer.user {
            let conns = self.users.entry(user.clone()).or_default();
            first = conns.is_empty();
            conns.insert(peer.id.clone());
        }
        self.peers.insert(peer.id.clone(), peer);
        first
    }

    /// Removes a connection: the peer, and whether it was its user's last
    /// here. `None` if it was not here.
    pub fn leave(&mut self, id: &ConnectionId) -> Option<(Peer, bool)> {
        let peer = self.peers.remove(id)?;
        let mut last = false;
        if let Some(user) = &peer.user
            && let Some(conns) = self.users.get_mut(user)
        {
            conns.remove(id);
            if conns.is_empty() {
                self.users.remove(user);
                last = true;
            }
        }
        Some((peer, last))
    }

    pub fn peer(&self, id: &str) -> Option<&Peer> {
        self.peers.get(id)
    }

    /// Queues a message for one connection here.
    pub fn send_to_connection(&self, id: &str, message: Outbound) -> bool {
        self.peers.get(id).is_some_and(|peer| peer.enqueue(message))
    }

    /// Queues a message for every connection here of each user (a user
    /// listed twice gets it once); returns the connections reached.
    pub fn send_to_users(&self, users: &[String], message: &Outbound) -> usize {
        let mut queued = 0;
        let mut seen = HashSet::new();
        // One user (`send`) needs no check for repeats.
        for user in users.iter().filter(|u| users.len() == 1 || seen.insert(*u)) {
            for id in self.users.get(user).into_iter().flatten() {
                if let Some(peer) = self.peers.get(id) {
                    queued += usize::from(peer.enqueue(message.clone()));
                }
            }
        }
        queued
    }

    pub fn has_user(&self, user: &str) -> bool {
        self.users.contains_key(user)
    }

    /// Each user here, with the number of connections they hold here.
    pub fn user_counts(&self) -> impl Iterator<Item = (&String, usize)> {
        self.users.iter().map(|(user, conns)| (user, conns.len()))
    }

    /// Up to `limit` users here after `after`, in id order, with counts.
    pub fn users_page(&self, after: Option<&str>, limit: usize) -> Vec<(String, usize)> {
        let mut page: Vec<(&String, usize)> = self
            .user_counts()
            .filter(|(user, _)| after.is_none_or(|after| user.as_str() > after))
            .collect();
        // Only the page is sorted fully; the rest is partitioned away.
        if page.len() > limit {
            page.select_nth_unstable(limit);
            page.truncate(limit);
        }
        page.sort_unstable();
        page.into_iter().map(|(u, n)| (u.clone(), n)).collect()
    }

    /// The user's connections here, oldest first.
    pub fn connections(&self, user: &str) -> Vec<ConnectionInfo> {
        let ids = self.users.get(user).into_iter().flatten();
        let mut found: Vec<ConnectionInfo> = ids
            .filter_map(|id| self.peers.get(id).map(Peer::info))
            .collect();
        found.sort_by_key(|info| info.since);
        found
    }

    /// Asks the target's connections here to close; returns how many.
    pub fn disconnect(&self, target: Target<'_>, code: u16, reason: &str) -> usize {
        let peers: Vec<&Peer> = match target {
            Target::Connection(id) => self.peers.get(id).into_iter().collect(),
            Target::User(user) => (self.users.get(user).into_iter().flatten())
                .filter_map(|id| self.peers.get(id))
                .collect(),
        };
        for peer in &peers {
            peer.link.close(code, reason.to_owned());
        }
        peers.len()
    }
}
