//! The database thread's side of the embedded queue: the schema, the
//! connection with what it caches, and each call's SQL.

use super::{Op, backend_error};
use crate::backend::jobs::{DeadJob, Job, JobUser, NewJob, PushError, Pushed, QueueStats};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a queue's cached depth is trusted before it is counted again
/// (another process, `switchboard jobs`, may have changed it).
const DEPTH_TTL: Duration = Duration::from_secs(5);

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        queue TEXT NOT NULL,
        payload TEXT NOT NULL,
        user_id TEXT,
        user_claims TEXT,
        -- 0 waiting, 1 running, 2 dead
        state INTEGER NOT NULL DEFAULT 0,
        run_at INTEGER NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 0,
        lease_until INTEGER,
        error TEXT,
        settled_at INTEGER
    );
    CREATE INDEX IF NOT EXISTS jobs_due ON jobs (queue, state, run_at);
    CREATE TABLE IF NOT EXISTS idempotency (
        queue TEXT NOT NULL,
        key TEXT NOT NULL,
        job_id INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (queue, key)
    );
    CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency (expires_at);
    CREATE TABLE IF NOT EXISTS schedule_ticks (
        schedule TEXT PRIMARY KEY,
        tick INTEGER NOT NULL
    );
";

/// The connection and what the thread caches about it.
pub(super) struct Db {
    pub(super) conn: Connection,
    /// Waiting and running jobs per queue, and when they were counted.
    depths: HashMap<String, (u64, Instant)>,
    /// When idempotency keys past their window were last deleted.
    expired_at: Instant,
}

/// How often keys past their idempotency window are deleted.
const EXPIRE_EVERY: Duration = Duration::from_secs(60);

impl Db {
    /// Opens the file, in WAL mode with every commit synced, creating the
    /// tables if needed. With `recover`, jobs a previous process left
    /// running are due again.
    pub(super) fn open(path: &Path, recover: bool) -> rusqlite::Result<Db> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        if recover {
            let released = conn.execute(
                "UPDATE jobs SET state = 0, lease_until = NULL WHERE state = 1",
                [],
            )?;
            if released > 0 {
                tracing::warn!(
                    jobs = released,
                    "jobs were running when the server stopped; they run again"
                );
            }
        }
        Ok(Db {
            conn,
            depths: HashMap::new(),
            expired_at: Instant::now(),
        })
    }

    /// Runs the calls in one transaction, each in a savepoint so that one
    /// call's failure undoes only its own writes.
    pub(super) fn commit(&mut self, ops: Vec<Op>) {
        if let Err(err) = self.conn.execute_batch("BEGIN IMMEDIATE") {
            tracing::error!(%err, "job queue: cannot begin a transaction");
            for op in ops {
                (op(self).1)(false);
            }
            return;
        }
        if self.expired_at.elapsed() > EXPIRE_EVERY {
            self.expired_at = Instant::now();
            let expired = self.conn.execute(
                "DELETE FROM idempotency WHERE expires_at <= ?1",
                [crate::backend::jobs::now_ms()],
            );
            if let Err(err) = expired {
                tracing::warn!(%err, "job queue: cannot forget old idempotency keys");
            }
        }
        let mut done = Vec::with_capacity(ops.len());
        for op in ops {
            let _ = self.conn.execute_batch("SAVEPOINT op");
            let (ok, then) = op(self);
            let end = match ok {
                true => "RELEASE op",
                false => "ROLLBACK TO op; RELEASE op",
            };
            let _ = self.conn.execute_batch(end);
            done.push(then);
        }
        let committed = match self.conn.execute_batch("COMMIT") {
            Ok(()) => true,
            Err(err) => {
                tracing::error!(%err, "job queue: commit failed");
                let _ = self.conn.execute_batch("ROLLBACK");
                self.depths.clear();
                false
            }
        };
        done.into_iter().for_each(|f| f(committed));
    }

    /// Waiting and running jobs of `queue`, counted again when stale.
    fn depth(&mut self, queue: &str) -> rusqlite::Result<&mut u64> {
        let fresh = self
            .depths
            .get(queue)
            .is_some_and(|(_, at)| at.elapsed() < DEPTH_TTL);
        if !fresh {
            let count: u64 = self.conn.query_row(
                "SELECT COUNT(*) FROM jobs WHERE queue = ?1 AND state < 2",
                [queue],
                |row| row.get(0),
            )?;
            self.depths
                .insert(queue.to_owned(), (count, Instant::now()));
        }
        Ok(&mut self.depths.get_mut(queue).expect("just counted").0)
    }

    pub(super) fn adjust_depth(&mut self, queue: &str, by: i64) {
        if let Some((depth, _)) = self.depths.get_mut(queue) {
            *depth = depth.saturating_add_signed(by);
        }
    }

    pub(super) fn push(&mut self, job: NewJob) -> Result<Pushed, PushError> {
        let sql = |err: rusqlite::Error| PushError::Backend(backend_error(err));
        if let Some((key, _)) = &job.idempotency {
            let seen: Option<i64> = self
                .conn
                .query_row(
                    "SELECT job_id FROM idempotency WHERE queue = ?1 AND key = ?2 AND expires_at > ?3",
                    params![job.queue, key, crate::backend::jobs::now_ms()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(sql)?;
            if let Some(id) = seen {
                return Ok(Pushed::Duplicate(id.to_string()));
            }
        }
        let depth = *self.depth(&job.queue).map_err(sql)?;
        if depth >= job.max_depth {
            return Err(PushError::Full {
                queue: job.queue,
                depth,
            });
        }
        let (user_id, claims) = match job.user {
            Some(user) => (Some(user.id), user.claims),
            None => (None, None),
        };
        self.conn
            .prepare_cached(
                "INSERT INTO jobs (queue, payload, user_id, user_claims, run_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut insert| {
                insert.execute(params![job.queue, job.payload, user_id, claims, job.run_at])
            })
            .map_err(sql)?;
        let id = self.conn.last_insert_rowid();
        if let Some((key, expires_at)) = &job.idempotency {
            self.conn
                .execute(
                    "INSERT OR REPLACE INTO idempotency (queue, key, job_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
                    params![job.queue, key, id, expires_at],
                )
                .map_err(sql)?;
        }
        self.adjust_depth(&job.queue, 1);
        Ok(Pushed::New(id.to_string()))
    }

    pub(super) fn lease(
        &mut self,
        queue: &str,
        max: usize,
        now: u64,
        lease_until: u64,
    ) -> rusqlite::Result<Vec<Job>> {
        let mut lease = self.conn.prepare_cached(
            "UPDATE jobs SET state = 1, attempt = attempt + 1, lease_until = ?4
             WHERE id IN (
                 SELECT id FROM jobs WHERE queue = ?1 AND state = 0 AND run_at <= ?2
                 UNION ALL
                 SELECT id FROM jobs WHERE queue = ?1 AND state = 1 AND lease_until <= ?2
                 LIMIT ?3)
             RETURNING id, payload, user_id, user_claims, attempt",
        )?;
        let rows = lease.query_map(params![queue, now, max as i64, lease_until], |row| {
            let user_id: Option<String> = row.get(2)?;
            Ok(Job {
                id: row.get::<_, i64>(0)?.to_string(),
                queue: queue.to_owned(),
                payload: row.get(1)?,
                user: user_id.map(|id| JobUser {
                    id,
                    claims: row.get(3).ok().flatten(),
                }),
                attempt: row.get(4)?,
            })
        })?;
        rows.collect()
    }

    /// The queue of job `id`, before it changes state.
    pub(super) fn queue_of(&self, id: &str, state: i64) -> rusqlite::Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT queue FROM jobs WHERE id = ?1 AND state = ?2",
                params![id, state],
                |row| row.get(0),
            )
            .optional()
    }

    pub(super) fn settle(
        &mut self,
        id: &str,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> rusqlite::Result<()> {
        let queue = self.queue_of(id, 1)?;
        self.conn.prepare_cached(sql)?.execute(params)?;
        if let Some(queue) = queue {
            self.adjust_depth(&queue, -1);
        }
        Ok(())
    }

    pub(super) fn stats(&self, now: u64) -> rusqlite::Result<Vec<QueueStats>> {
        let mut query = self.conn.prepare(
            "SELECT queue,
                    SUM(state = 0 AND run_at <= ?1), SUM(state = 0 AND run_at > ?1),
                    SUM(state = 1), SUM(state = 2)
             FROM jobs GROUP BY queue ORDER BY queue",
        )?;
        let rows = query.query_map([now], |row| {
            Ok(QueueStats {
                queue: row.get(0)?,
                ready: row.get(1)?,
                delayed: row.get(2)?,
                running: row.get(3)?,
                dead: row.get(4)?,
            })
        })?;
        rows.collect()
    }

    pub(super) fn dead(&self, limit: usize) -> rusqlite::Result<Vec<DeadJob>> {
        let mut query = self.conn.prepare(
            "SELECT id, queue, payload, user_id, attempt, error, settled_at FROM jobs
             WHERE state = 2 ORDER BY settled_at, id LIMIT ?1",
        )?;
        let rows = query.query_map([limit as i64], |row| {
            Ok(DeadJob {
                id: row.get::<_, i64>(0)?.to_string(),
                queue: row.get(1)?,
                payload: row.get(2)?,
                user: row.get(3)?,
                attempts: row.get(4)?,
                error: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
                died_at: row.get::<_, Option<u64>>(6)?.unwrap_or_default(),
            })
        })?;
        rows.collect()
    }
}
