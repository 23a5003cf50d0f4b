//! Whom a call acts for, and the backends it reaches.

use super::bindings::types::User;
use crate::backend::jobs::Queues;
use crate::backend::limits::{LimitedStore, StoreLimits};
use crate::backend::null::{NullHub, NullStore};
use crate::backend::{ConnectionId, Hub, Outbound, Peer};
use std::sync::Arc;

/// What started a call, as far as its `send` cares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Trigger {
    /// A socket message, or a hook about a connection or a user.
    #[default]
    Socket,
    /// An `api/` HTTP request.
    Http,
    /// A queued job's run.
    Job,
    /// A schedule's tick.
    Schedule,
    /// A presence hook.
    Hook,
}

impl Trigger {
    /// Who a message sent in this call comes from, for the metrics.
    pub fn source(self) -> crate::metrics::Source {
        use crate::metrics::Source;
        match self {
            Trigger::Socket => Source::Handler,
            Trigger::Http => Source::Http,
            Trigger::Job => Source::Job,
            Trigger::Schedule => Source::Schedule,
            Trigger::Hook => Source::Hook,
        }
    }
}

/// `send` goes to `user` on every device, or to `connection` alone when
/// there is no user. Replies to `connection` (anonymous `send`, error
/// replies) go straight to its queue, never through the hub, so they
/// stay on this node and take no global lock.
#[derive(Clone)]
pub struct CallScope {
    pub hub: Arc<dyn Hub>,
    pub store: LimitedStore,
    /// The connection the call came from, if any.
    pub connection: Option<Peer>,
    pub user: Option<String>,
    /// The user as the `context` import gives it, with their claims.
    pub caller: Option<Arc<User>>,
    /// The route's params, for the `context` import.
    pub params: Vec<(String, String)>,
    pub trigger: Trigger,
    /// Where `queue.push` puts jobs; absent where no queue runs.
    pub queues: Option<Queues>,
    /// The attempt of the job being run.
    pub attempt: Option<u32>,
    /// Keep a copy of each message sent, for `on-messages-sent` hooks.
    pub record_sent: bool,
}

impl CallScope {
    /// A scope acting for no one: `send` fails, `send-to` works.
    pub fn new(hub: Arc<dyn Hub>, store: LimitedStore) -> Self {
        CallScope {
            hub,
            store,
            connection: None,
            user: None,
            caller: None,
            params: Vec::new(),
            trigger: Trigger::Socket,
            queues: None,
            attempt: None,
            record_sent: false,
        }
    }

    /// Lets the call push jobs.
    pub fn with_queues(mut self, queues: Option<Queues>) -> Self {
        self.queues = queues;
        self
    }

    /// A scope that reaches nothing: no one receives what it sends, no one
    /// is online, and the store refuses to be used. For load-time calls
    /// and tools.
    pub fn detached() -> Self {
        let store = LimitedStore::new(Arc::new(NullStore), StoreLimits::default());
        CallScope::new(Arc::new(NullHub), store)
    }

    /// Acts for this connection and its user, if any, whose record (with
    /// claims) is `caller`.
    pub fn for_connection(mut self, connection: Peer, caller: Option<Arc<User>>) -> Self {
        self.user = connection.user.clone();
        self.connection = Some(connection);
        self.caller = caller;
        self
    }

    /// Acts for this user, on none of their connections in particular.
    pub fn for_user(mut self, user: String) -> Self {
        self.caller = Some(Arc::new(User {
            id: user.clone(),
            claims: None,
            expires_at: None,
        }));
        self.user = Some(user);
        self
    }

    /// Acts for the user of an HTTP request, or no one.
    pub fn for_request(mut self, caller: Option<User>) -> Self {
        self.trigger = Trigger::Http;
        self.user = caller.as_ref().map(|user| user.id.clone());
        self.caller = caller.map(Arc::new);
        self
    }

    /// Runs attempt `attempt` of a job pushed for `caller`, or no one.
    pub fn for_job(mut self, caller: Option<User>, attempt: u32) -> Self {
        self.trigger = Trigger::Job;
        self.user = caller.as_ref().map(|user| user.id.clone());
        self.caller = caller.map(Arc::new);
        self.attempt = Some(attempt);
        self
    }

    /// Runs a schedule's tick, for no one.
    pub fn for_schedule(mut self) -> Self {
        self.trigger = Trigger::Schedule;
        self
    }

    /// A presence hook's scope.
    pub fn for_hook(mut self) -> Self {
        self.trigger = Trigger::Hook;
        self
    }

    pub fn with_params(mut self, params: Vec<(String, String)>) -> Self {
        self.params = params;
        self
    }

    pub fn recording_sent(mut self, record: bool) -> Self {
        self.record_sent = record;
        self
    }

    /// The id of the connection the call came from.
    pub fn connection_id(&self) -> Option<&ConnectionId> {
        self.connection.as_ref().map(|peer| &peer.id)
    }

    /// Queues a message on the caller's own connection. Returns whether
    /// it was queued (false with no connection, or a full or closed queue).
    pub fn reply(&self, message: Outbound) -> bool {
        self.connection
            .as_ref()
            .is_some_and(|peer| peer.enqueue(message))
    }
}
