//! Queued jobs on the cluster's Redis, with Redis Streams: every node's
//! workers read a queue's stream in one consumer group, so each job goes
//! to one node, and a job whose node died mid-run is claimed again
//! (`XAUTOCLAIM`) once its lease has run out: at least once. Retries,
//! backoff and dead letters mean what they mean on the embedded queue.
//!
//! Each queue's keys share the hash tag `{q:NAME}`: the stream `s` (one
//! entry per job due now), `delayed` and `dead` (sorted by time), `seq`,
//! `idem:KEY`, and a hash `job:ID` per job (payload, user, claims,
//! attempt, the stream entry it runs as, error). Every change is one Lua
//! script on that slot. A job's id is `QUEUE:N`. A schedule's keys share
//! `{s:NAME}`: its last tick, and a lock per tick, `SET NX PX`, which only
//! the node that runs the tick takes.

use super::keys::Keys;
use super::queue_scripts::{CLAIM_TICK, DEAD, LEASE, PUSH, SETTLE};
use crate::backend::BackendError;
use crate::backend::jobs::{
    DeadJob, Job, JobQueue, JobUser, NewJob, PushError, Pushed, QueueStats,
};
use async_trait::async_trait;
use redis::aio::ConnectionManager;

/// The cluster's job queue.
pub struct RedisQueue {
    keys: Keys,
    url: String,
    node: String,
    conn: ConnectionManager,
}

/// A leased job, as the lease script returns it.
type Leased = (String, String, String, String, u32);

impl RedisQueue {
    pub(super) fn new(keys: Keys, url: String, node: String, conn: ConnectionManager) -> Self {
        RedisQueue {
            keys,
            url,
            node,
            conn,
        }
    }

    fn error(&self, err: redis::RedisError) -> BackendError {
        BackendError(format!(
            "job queue: cannot reach Redis at {}: {err}",
            self.url
        ))
    }

    async fn settle(
        &self,
        id: &str,
        action: &str,
        time: u64,
        error: &str,
    ) -> Result<(), BackendError> {
        let Some(queue) = queue_of(id) else {
            return Ok(());
        };
        let keys = &self.keys;
        SETTLE
            .key(keys.queue(queue, "s"))
            .key(keys.queue(queue, "delayed"))
            .key(keys.queue(queue, "dead"))
            .arg(action)
            .arg(keys.job(queue, id))
            .arg(id)
            .arg(time)
            .arg(error)
            .invoke_async::<i64>(&mut self.conn.clone())
            .await
            .map(drop)
            .map_err(|err| self.error(err))
    }

    async fn dead_action(&self, id: &str, action: &str) -> Result<bool, BackendError> {
        let Some(queue) = queue_of(id) else {
            return Ok(false);
        };
        let keys = &self.keys;
        DEAD.key(keys.queue(queue, "s"))
            .key(keys.queue(queue, "dead"))
            .arg(action)
            .arg(keys.job(queue, id))
            .arg(id)
            .invoke_async::<i64>(&mut self.conn.clone())
            .await
            .map(|done| done == 1)
            .map_err(|err| self.error(err))
    }

    async fn queue_names(&self) -> Result<Vec<String>, BackendError> {
        let mut names: Vec<String> = redis::cmd("SMEMBERS")
            .arg(self.keys.queues())
            .query_async(&mut self.conn.clone())
            .await
            .map_err(|err| self.error(err))?;
        names.sort();
        Ok(names)
    }
}

/// The queue a job id names: everything before its last `:`.
fn queue_of(id: &str) -> Option<&str> {
    id.rsplit_once(':').map(|(queue, _)| queue)
}

fn or_none(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

#[async_trait]
impl JobQueue for RedisQueue {
    async fn push(&self, job: NewJob) -> Result<Pushed, PushError> {
        let keys = &self.keys;
        let queue = &job.queue;
        let now = crate::backend::jobs::now_ms();
        let (idem, window) = match &job.idempotency {
            Some((key, until)) => (
                keys.queue(queue, &format!("idem:{key}")),
                until.saturating_sub(now).max(1),
            ),
            None => (keys.queue(queue, "idem:"), 0),
        };
        let (user, claims) = match &job.user {
            Some(user) => (user.id.clone(), user.claims.clone().unwrap_or_default()),
            None => (String::new(), String::new()),
        };
        let (outcome, value): (String, String) = PUSH
            .key(keys.queue(queue, "s"))
            .key(keys.queue(queue, "delayed"))
            .key(keys.queue(queue, "seq"))
            .key(idem)
            .arg(now)
            .arg(job.run_at)
            .arg(job.max_depth)
            .arg(&job.payload)
            .arg(user)
            .arg(claims)
            .arg(window)
            .arg(keys.job(queue, ""))
            .arg(queue)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(|err| self.error(err))?;
        match outcome.as_str() {
            "dup" => Ok(Pushed::Duplicate(value)),
            "full" => Err(PushError::Full {
                queue: queue.clone(),
                depth: value.parse().unwrap_or(job.max_depth),
            }),
            _ => {
                let _: Result<(), _> = redis::cmd("SADD")
                    .arg(keys.queues())
                    .arg(queue)
                    .query_async(&mut self.conn.clone())
                    .await;
                Ok(Pushed::New(value))
            }
        }
    }

    async fn lease(
        &self,
        queue: &str,
        max: usize,
        now: u64,
        lease_until: u64,
    ) -> Result<Vec<Job>, BackendError> {
        let keys = &self.keys;
        let leased: Vec<Leased> = LEASE
            .key(keys.queue(queue, "s"))
            .key(keys.queue(queue, "delayed"))
            .arg(now)
            .arg(max.max(1))
            .arg(&self.node)
            .arg(lease_until.saturating_sub(now).max(1))
            .arg(keys.job(queue, ""))
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(|err| self.error(err))?;
        Ok(leased
            .into_iter()
            .map(|(id, payload, user, claims, attempt)| Job {
                id,
                queue: queue.to_owned(),
                payload,
                user: or_none(user).map(|id| JobUser {
                    id,
                    claims: or_none(claims),
                }),
                attempt,
            })
            .collect())
    }

    async fn complete(&self, id: &str) -> Result<(), BackendError> {
        self.settle(id, "complete", 0, "").await
    }

    async fn retry(&self, id: &str, run_at: u64, error: &str) -> Result<(), BackendError> {
        self.settle(id, "retry", run_at, error).await
    }

    async fn bury(&self, id: &str, error: &str, now: u64) -> Result<(), BackendError> {
        self.settle(id, "bury", now, error).await
    }

    async fn release(&self, id: &str, now: u64) -> Result<(), BackendError> {
        self.settle(id, "release", now, "").await
    }

    async fn next_due(&self, queue: &str) -> Result<Option<u64>, BackendError> {
        let first: Vec<(String, u64)> = redis::cmd("ZRANGE")
            .arg(self.keys.queue(queue, "delayed"))
            .arg(0)
            .arg(0)
            .arg("WITHSCORES")
            .query_async(&mut self.conn.clone())
            .await
            .map_err(|err| self.error(err))?;
        Ok(first.first().map(|(_, at)| *at))
    }

    async fn stats(&self, now: u64) -> Result<Vec<QueueStats>, BackendError> {
        let names = self.queue_names().await?;
        let mut pipe = redis::pipe();
        for queue in &names {
            let stream = self.keys.queue(queue, "s");
            let delayed = self.keys.queue(queue, "delayed");
            pipe.cmd("XLEN")
                .arg(&stream)
                .cmd("XPENDING")
                .arg(&stream)
                .arg("workers")
                .zcount(&delayed, "-inf", now)
                .zcard(&delayed)
                .zcard(self.keys.queue(queue, "dead"));
        }
        let counts: Vec<redis::Value> = pipe
            .query_async(&mut self.conn.clone())
            .await
            .map_err(|err| self.error(err))?;
        let number = |value: &redis::Value| -> u64 {
            match value {
                redis::Value::Int(n) => *n as u64,
                redis::Value::Array(items) => items.first().map_or(0, |first| match first {
                    redis::Value::Int(n) => *n as u64,
                    _ => 0,
                }),
                _ => 0,
            }
        };
        Ok(names
            .into_iter()
            .zip(counts.chunks(5))
            .map(|(queue, counts)| {
                let (length, running) = (number(&counts[0]), number(&counts[1]));
                let (due, delayed, dead) =
                    (number(&counts[2]), number(&counts[3]), number(&counts[4]));
                QueueStats {
                    queue,
                    ready: length.saturating_sub(running) + due,
                    delayed: delayed - due.min(delayed),
                    running,
                    dead,
                }
            })
            .collect())
    }

    async fn dead(&self, limit: usize) -> Result<Vec<DeadJob>, BackendError> {
        let mut found = Vec::new();
        for queue in self.queue_names().await? {
            let mut conn = self.conn.clone();
            let ids: Vec<(String, u64)> = redis::cmd("ZRANGE")
                .arg(self.keys.queue(&queue, "dead"))
                .arg(0)
                .arg(limit.max(1) as i64 - 1)
                .arg("WITHSCORES")
                .query_async(&mut conn)
                .await
                .map_err(|err| self.error(err))?;
            let mut pipe = redis::pipe();
            for (id, _) in &ids {
                pipe.cmd("HMGET")
                    .arg(self.keys.job(&queue, id))
                    .arg(&["payload", "user", "attempt", "error"][..]);
            }
            let jobs: Vec<(Option<String>, Option<String>, Option<u32>, Option<String>)> = pipe
                .query_async(&mut conn)
                .await
                .map_err(|err| self.error(err))?;
            for ((id, died_at), (payload, user, attempts, error)) in ids.into_iter().zip(jobs) {
                found.push(DeadJob {
                    id,
                    queue: queue.clone(),
                    payload: payload.unwrap_or_default(),
                    user,
                    attempts: attempts.unwrap_or(0),
                    error: error.unwrap_or_default(),
                    died_at,
                });
            }
        }
        found.sort_by_key(|job| job.died_at);
        found.truncate(limit);
        Ok(found)
    }

    async fn requeue_dead(&self, id: &str, _now: u64) -> Result<bool, BackendError> {
        self.dead_action(id, "requeue").await
    }

    async fn drop_dead(&self, id: &str) -> Result<bool, BackendError> {
        self.dead_action(id, "drop").await
    }

    async fn last_tick(&self, schedule: &str) -> Result<Option<u64>, BackendError> {
        redis::cmd("GET")
            .arg(self.keys.schedule(schedule, "last"))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(|err| self.error(err))
    }

    async fn claim_tick(&self, schedule: &str, tick: u64) -> Result<bool, BackendError> {
        CLAIM_TICK
            .key(self.keys.schedule(schedule, "last"))
            .key(self.keys.schedule(schedule, &format!("tick:{tick}")))
            .arg(tick)
            .arg(&self.node)
            .arg(86_400_000)
            .invoke_async::<i64>(&mut self.conn.clone())
            .await
            .map(|claimed| claimed == 1)
            .map_err(|err| self.error(err))
    }
}
