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
use crate::backend::BackendError;
use crate::backend::jobs::{
    DeadJob, Job, JobQueue, JobUser, NewJob, PushError, Pushed, QueueStats,
};
use async_trait::async_trait;
use redis::Script;
use redis::aio::ConnectionManager;
use std::sync::LazyLock;

/// KEYS stream, delayed, seq, idem; ARGV now, run_at, max_depth, payload,
/// user, claims, idempotency window ms (0: no key), job key prefix, queue.
static PUSH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if ARGV[7] ~= '0' then
  local seen = redis.call('GET', KEYS[4])
  if seen then return {'dup', seen} end
end
redis.pcall('XGROUP', 'CREATE', KEYS[1], 'workers', '0', 'MKSTREAM')
local depth = redis.call('XLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
if depth >= tonumber(ARGV[3]) then return {'full', tostring(depth)} end
local id = ARGV[9] .. ':' .. redis.call('INCR', KEYS[3])
local key = ARGV[8] .. id
redis.call('HSET', key, 'payload', ARGV[4], 'attempt', 0)
if ARGV[5] ~= '' then redis.call('HSET', key, 'user', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', key, 'claims', ARGV[6]) end
if tonumber(ARGV[2]) > tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[2], ARGV[2], id)
else
  redis.call('XADD', KEYS[1], '*', 'id', id)
end
if ARGV[7] ~= '0' then redis.call('SET', KEYS[4], id, 'PX', ARGV[7]) end
return {'new', id}
"#,
    )
});

/// KEYS stream, delayed; ARGV now, max, consumer, lease ms, job key prefix.
/// Moves due delayed jobs onto the stream, claims jobs whose lease ran
/// out, reads new ones, and counts an attempt for each.
static LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
redis.pcall('XGROUP', 'CREATE', KEYS[1], 'workers', '0', 'MKSTREAM')
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, id in ipairs(due) do
  redis.call('XADD', KEYS[1], '*', 'id', id)
  redis.call('ZREM', KEYS[2], id)
end
local max = tonumber(ARGV[2])
local entries = {}
local claimed = redis.call('XAUTOCLAIM', KEYS[1], 'workers', ARGV[3], ARGV[4], '0-0', 'COUNT', max)
for _, e in ipairs(claimed[2]) do
  if e[2] then table.insert(entries, e) end
end
if #entries < max then
  local read = redis.call('XREADGROUP', 'GROUP', 'workers', ARGV[3], 'COUNT', max - #entries, 'STREAMS', KEYS[1], '>')
  if read then
    for _, e in ipairs(read[1][2]) do table.insert(entries, e) end
  end
end
local out = {}
for _, e in ipairs(entries) do
  local entry, id = e[1], e[2][2]
  local key = ARGV[5] .. id
  if redis.call('EXISTS', key) == 1 then
    local attempt = redis.call('HINCRBY', key, 'attempt', 1)
    redis.call('HSET', key, 'entry', entry)
    local job = redis.call('HMGET', key, 'payload', 'user', 'claims')
    table.insert(out, {id, job[1], job[2] or '', job[3] or '', attempt})
  else
    redis.call('XACK', KEYS[1], 'workers', entry)
    redis.call('XDEL', KEYS[1], entry)
  end
end
return out
"#,
    )
});

/// KEYS stream, delayed, dead; ARGV action, job key, id, time, error.
/// Settles a running job: `complete`, `retry` (due at the time), `bury`
/// (dead at the time), or `release` (due now, the attempt not counted).
static SETTLE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local entry = redis.call('HGET', ARGV[2], 'entry')
if not entry then return 0 end
redis.call('XACK', KEYS[1], 'workers', entry)
redis.call('XDEL', KEYS[1], entry)
redis.call('HDEL', ARGV[2], 'entry')
if ARGV[1] == 'complete' then
  redis.call('DEL', ARGV[2])
elseif ARGV[1] == 'retry' then
  redis.call('HSET', ARGV[2], 'error', ARGV[5])
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
elseif ARGV[1] == 'bury' then
  redis.call('HSET', ARGV[2], 'error', ARGV[5])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
else
  redis.call('HINCRBY', ARGV[2], 'attempt', -1)
  redis.call('XADD', KEYS[1], '*', 'id', ARGV[3])
end
return 1
"#,
    )
});

/// KEYS stream, dead; ARGV action (`requeue` or `drop`), job key, id.
static DEAD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('ZREM', KEYS[2], ARGV[3]) == 0 then return 0 end
if ARGV[1] == 'drop' then
  redis.call('DEL', ARGV[2])
else
  redis.call('HSET', ARGV[2], 'attempt', 0)
  redis.call('HDEL', ARGV[2], 'error')
  redis.call('XADD', KEYS[1], '*', 'id', ARGV[3])
end
return 1
"#,
    )
});

/// KEYS last, lock; ARGV tick, node, lock ms.
static CLAIM_TICK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local last = tonumber(redis.call('GET', KEYS[1]) or '-1')
if last >= tonumber(ARGV[1]) then return 0 end
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"#,
    )
});

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
