//! The embedded job queue: one SQLite file in WAL mode, synced to disk at
//! every commit (`synchronous = FULL`). One thread owns the connection and
//! runs every call in order. With batching on, the calls that queued up
//! while it was busy commit together in one transaction, so one fsync
//! serves them all; each call still gets its answer only once its
//! transaction is on disk.

use crate::backend::BackendError;
use crate::backend::jobs::{
    DeadJob, Job, JobQueue, JobUser, NewJob, PushError, Pushed, QueueStats,
};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Calls waiting for the database thread; a full channel makes callers
/// wait, which bounds the memory a burst of pushes can hold.
const PENDING: usize = 4096;
/// The most calls one transaction commits.
const MAX_BATCH: usize = 512;
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

/// The queue, as the async side sees it: a channel to its thread.
pub struct SqliteQueue {
    ops: mpsc::Sender<Op>,
}

/// One call: runs inside the batch's transaction, says whether it
/// succeeded (else its writes are undone), and returns what to do once the
/// transaction committed (`true`) or failed.
type Op = Box<dyn FnOnce(&mut Db) -> (bool, Done) + Send>;
type Done = Box<dyn FnOnce(bool) + Send>;

/// The connection and what the thread caches about it.
struct Db {
    conn: Connection,
    /// Waiting and running jobs per queue, and when they were counted.
    depths: HashMap<String, (u64, Instant)>,
    /// When idempotency keys past their window were last deleted.
    expired_at: Instant,
}

/// How often keys past their idempotency window are deleted.
const EXPIRE_EVERY: Duration = Duration::from_secs(60);

/// How the queue is opened.
#[derive(Debug, Clone, Copy)]
pub struct SqliteOptions {
    /// Commit the calls that queued up together (one fsync for many).
    pub batch_commits: bool,
    /// Make jobs left running by a previous process due again. Only the
    /// server, which owns the file, does this; tools reading it do not.
    pub recover: bool,
}

fn backend_error(err: impl std::fmt::Display) -> BackendError {
    BackendError(format!("job queue: {err}"))
}

impl SqliteQueue {
    /// Opens (creating if needed) the queue in `path`, and starts its
    /// thread.
    pub fn open(path: &Path, options: SqliteOptions) -> Result<SqliteQueue, BackendError> {
        let conn = Connection::open(path).map_err(backend_error)?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(backend_error)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(backend_error)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(backend_error)?;
        conn.execute_batch(SCHEMA).map_err(backend_error)?;
        if options.recover {
            let released = conn
                .execute(
                    "UPDATE jobs SET state = 0, lease_until = NULL WHERE state = 1",
                    [],
                )
                .map_err(backend_error)?;
            if released > 0 {
                tracing::warn!(
                    jobs = released,
                    "jobs were running when the server stopped; they run again"
                );
            }
        }
        let (ops, rx) = mpsc::channel(PENDING);
        let db = Db {
            conn,
            depths: HashMap::new(),
            expired_at: Instant::now(),
        };
        std::thread::Builder::new()
            .name("switchboard-jobs-db".into())
            .spawn(move || serve(db, rx, options.batch_commits))
            .map_err(backend_error)?;
        Ok(SqliteQueue { ops })
    }

    /// Runs `f` in the database thread; its answer arrives once its
    /// transaction is committed.
    async fn call<T, E>(
        &self,
        f: impl FnOnce(&mut Db) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<BackendError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let op: Op = Box::new(move |db| {
            let result = f(db);
            let ok = result.is_ok();
            let done: Done = Box::new(move |committed| {
                let answer = match (result, committed) {
                    (Ok(_), false) => Err(backend_error("the commit failed").into()),
                    (result, _) => result,
                };
                let _ = tx.send(answer);
            });
            (ok, done)
        });
        let stopped = || -> E { backend_error("the database thread stopped").into() };
        self.ops.send(op).await.map_err(|_| stopped())?;
        rx.await.unwrap_or_else(|_| Err(stopped()))
    }
}

/// The database thread: takes calls until every sender is gone.
fn serve(mut db: Db, mut rx: mpsc::Receiver<Op>, batch: bool) {
    while let Some(first) = rx.blocking_recv() {
        let mut ops = vec![first];
        while batch && ops.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => ops.push(op),
                Err(_) => break,
            }
        }
        db.commit(ops);
    }
}

impl Db {
    /// Runs the calls in one transaction, each in a savepoint so that one
    /// call's failure undoes only its own writes.
    fn commit(&mut self, ops: Vec<Op>) {
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

    fn adjust_depth(&mut self, queue: &str, by: i64) {
        if let Some((depth, _)) = self.depths.get_mut(queue) {
            *depth = depth.saturating_add_signed(by);
        }
    }

    fn push(&mut self, job: NewJob) -> Result<Pushed, PushError> {
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

    fn lease(
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
    fn queue_of(&self, id: &str, state: i64) -> rusqlite::Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT queue FROM jobs WHERE id = ?1 AND state = ?2",
                params![id, state],
                |row| row.get(0),
            )
            .optional()
    }

    fn settle(
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

    fn stats(&self, now: u64) -> rusqlite::Result<Vec<QueueStats>> {
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

    fn dead(&self, limit: usize) -> rusqlite::Result<Vec<DeadJob>> {
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

#[async_trait]
impl JobQueue for SqliteQueue {
    async fn push(&self, job: NewJob) -> Result<Pushed, PushError> {
        self.call(move |db| db.push(job)).await
    }

    async fn lease(
        &self,
        queue: &str,
        max: usize,
        now: u64,
        lease_until: u64,
    ) -> Result<Vec<Job>, BackendError> {
        let queue = queue.to_owned();
        self.call(move |db| {
            db.lease(&queue, max, now, lease_until)
                .map_err(backend_error)
        })
        .await
    }

    async fn complete(&self, id: &str) -> Result<(), BackendError> {
        let id = id.to_owned();
        self.call(move |db| {
            db.settle(&id, "DELETE FROM jobs WHERE id = ?1 AND state = 1", [&id])
                .map_err(backend_error)
        })
        .await
    }

    async fn retry(&self, id: &str, run_at: u64, error: &str) -> Result<(), BackendError> {
        let (id, error) = (id.to_owned(), error.to_owned());
        self.call(move |db| {
            db.conn
                .prepare_cached(
                    "UPDATE jobs SET state = 0, run_at = ?2, error = ?3, lease_until = NULL
                     WHERE id = ?1 AND state = 1",
                )
                .and_then(|mut update| update.execute(params![id, run_at, error]))
                .map(drop)
                .map_err(backend_error)
        })
        .await
    }

    async fn bury(&self, id: &str, error: &str, now: u64) -> Result<(), BackendError> {
        let (id, error) = (id.to_owned(), error.to_owned());
        self.call(move |db| {
            let sql = "UPDATE jobs SET state = 2, error = ?2, settled_at = ?3, lease_until = NULL
                       WHERE id = ?1 AND state = 1";
            db.settle(&id, sql, params![id, error, now])
                .map_err(backend_error)
        })
        .await
    }

    async fn next_due(&self, queue: &str) -> Result<Option<u64>, BackendError> {
        let queue = queue.to_owned();
        self.call(move |db| {
            db.conn
                .query_row(
                    "SELECT MIN(t) FROM (
                         SELECT MIN(run_at) AS t FROM jobs WHERE queue = ?1 AND state = 0
                         UNION ALL
                         SELECT MIN(lease_until) FROM jobs WHERE queue = ?1 AND state = 1)",
                    [queue],
                    |row| row.get(0),
                )
                .map_err(backend_error)
        })
        .await
    }

    async fn stats(&self, now: u64) -> Result<Vec<QueueStats>, BackendError> {
        self.call(move |db| db.stats(now).map_err(backend_error))
            .await
    }

    async fn dead(&self, limit: usize) -> Result<Vec<DeadJob>, BackendError> {
        self.call(move |db| db.dead(limit).map_err(backend_error))
            .await
    }

    async fn requeue_dead(&self, id: &str, now: u64) -> Result<bool, BackendError> {
        let id = id.to_owned();
        self.call(move |db| {
            let queue = db.queue_of(&id, 2).map_err(backend_error)?;
            let changed = db
                .conn
                .execute(
                    "UPDATE jobs SET state = 0, attempt = 0, run_at = ?2, settled_at = NULL
                     WHERE id = ?1 AND state = 2",
                    params![id, now],
                )
                .map_err(backend_error)?;
            if let Some(queue) = queue {
                db.adjust_depth(&queue, 1);
            }
            Ok(changed > 0)
        })
        .await
    }

    async fn drop_dead(&self, id: &str) -> Result<bool, BackendError> {
        let id = id.to_owned();
        self.call(move |db| {
            db.conn
                .execute("DELETE FROM jobs WHERE id = ?1 AND state = 2", [id])
                .map(|changed| changed > 0)
                .map_err(backend_error)
        })
        .await
    }

    async fn last_tick(&self, schedule: &str) -> Result<Option<u64>, BackendError> {
        let schedule = schedule.to_owned();
        self.call(move |db| {
            db.conn
                .query_row(
                    "SELECT tick FROM schedule_ticks WHERE schedule = ?1",
                    [schedule],
                    |row| row.get(0),
                )
                .optional()
                .map_err(backend_error)
        })
        .await
    }

    async fn claim_tick(&self, schedule: &str, tick: u64) -> Result<bool, BackendError> {
        let schedule = schedule.to_owned();
        self.call(move |db| {
            db.conn
                .execute(
                    "INSERT INTO schedule_ticks (schedule, tick) VALUES (?1, ?2)
                     ON CONFLICT (schedule) DO UPDATE SET tick = excluded.tick
                     WHERE excluded.tick > schedule_ticks.tick",
                    params![schedule, tick],
                )
                .map(|changed| changed > 0)
                .map_err(backend_error)
        })
        .await
    }
}
