//! The names of every Redis key and channel of a cluster, under its
//! prefix (`--cluster-prefix`, default `sb`). A user's two keys share the
//! hash tag `{u:USER}`, so the scripts that update both touch one slot,
//! as Redis Cluster requires.
//!
//! | key | type | holds |
//! |---|---|---|
//! | `P:{u:USER}:n` | hash | node → the user's connections there |
//! | `P:{u:USER}:c` | hash | connection id → `SINCE_MS REMOTE` |
//! | `P:online` | sorted set | users online (score 0: ordered by id) |
//! | `P:nodes` | set | nodes that have joined |
//! | `P:node:ID:alive` | string | the node's heartbeat (expires after the TTL) |
//! | `P:node:ID:users` | set | users with connections on the node |
//! | `P:node:ID:reaper` | string | who is cleaning up after the node |
//! | `P:node:ID` | channel | notes for the node |
//! | `P:{store}:k:KEY` | string or set | the `store` import's entries |
//! | `P:{store}:sizes` | hash | each entry's bytes (key, value, members) |
//! | `P:{store}:usage` | hash | `keys` and `bytes` in all |
//! | `P:queues` | set | queues that have had a job |
//! | `P:{q:QUEUE}:s` | stream | the queue's jobs due now, read by the group `workers` |
//! | `P:{q:QUEUE}:delayed`, `:dead` | sorted set | jobs waiting for a time, and dead letters, by time |
//! | `P:{q:QUEUE}:job:ID`, `:seq`, `:idem:KEY` | hash, counter, string | a job; the last id; a push's idempotency key |
//! | `P:{s:NAME}:last`, `:tick:T` | string | a schedule's last tick, and the lock of each |

/// Key names under one prefix.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new(prefix: &str) -> Keys {
        Keys {
            prefix: prefix.to_owned(),
        }
    }

    pub fn counts(&self, user: &str) -> String {
        format!("{}:{{u:{user}}}:n", self.prefix)
    }

    pub fn conns(&self, user: &str) -> String {
        format!("{}:{{u:{user}}}:c", self.prefix)
    }

    pub fn online(&self) -> String {
        format!("{}:online", self.prefix)
    }

    pub fn nodes(&self) -> String {
        format!("{}:nodes", self.prefix)
    }

    pub fn alive(&self, node: &str) -> String {
        format!("{}:node:{node}:alive", self.prefix)
    }

    pub fn node_users(&self, node: &str) -> String {
        format!("{}:node:{node}:users", self.prefix)
    }

    pub fn reaper(&self, node: &str) -> String {
        format!("{}:node:{node}:reaper", self.prefix)
    }

    pub fn channel(&self, node: &str) -> String {
        format!("{}:node:{node}", self.prefix)
    }

    pub fn queues(&self) -> String {
        format!("{}:queues", self.prefix)
    }

    pub fn queue(&self, queue: &str, suffix: &str) -> String {
        format!("{}:{{q:{queue}}}:{suffix}", self.prefix)
    }

    pub fn job(&self, queue: &str, id: &str) -> String {
        format!("{}:{{q:{queue}}}:job:{id}", self.prefix)
    }

    pub fn schedule(&self, schedule: &str, suffix: &str) -> String {
        format!("{}:{{s:{schedule}}}:{suffix}", self.prefix)
    }

    pub fn store_entry(&self, key: &str) -> String {
        format!("{}:{{store}}:k:{key}", self.prefix)
    }

    pub fn store_sizes(&self) -> String {
        format!("{}:{{store}}:sizes", self.prefix)
    }

    pub fn store_usage(&self) -> String {
        format!("{}:{{store}}:usage", self.prefix)
    }
}
