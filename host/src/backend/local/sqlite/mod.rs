//! The embedded job queue: one SQLite file in WAL mode, synced to disk at
//! every commit (`synchronous = FULL`). One thread owns the connection and
//! runs every call in order. With batching on, the calls that queued up
//! while it was busy commit together in one transaction, so one fsync
//! serves them all; each call still gets its answer only once its
//! transaction is on disk.

mod db;

use crate::backend::BackendError;
use crate::backend::jobs::{DeadJob, Job, JobQueue, NewJob, PushError, Pushed, QueueStats};
use async_trait::async_trait;
use db::Db;
use rusqlite::{OptionalExtension, params};
use std::path::Path;
use tokio::sync::{mpsc, oneshot};

/// Calls waiting for the database thread; a full channel makes callers
/// wait, which bounds the memory a burst of pushes can hold.
const PENDING: usize = 4096;
/// The most calls one transaction commits.
const MAX_BATCH: usize = 512;
/// The queue, as the async side sees it: a channel to its thread.
pub struct SqliteQueue {
    ops: mpsc::Sender<Op>,
}

/// One call: runs inside the batch's transaction, says whether it
/// succeeded (else its writes are undone), and returns what to do once the
/// transaction committed (`true`) or failed.
type Op = Box<dyn FnOnce(&mut Db) -> (bool, Done) + Send>;
type Done = Box<dyn FnOnce(bool) + Send>;

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
        let db = Db::open(path, options.recover).map_err(backend_error)?;
        let (ops, rx) = mpsc::channel(PENDING);
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

    async fn release(&self, id: &str, now: u64) -> Result<(), BackendError> {
        let id = id.to_owned();
        self.call(move |db| {
            db.conn
                .prepare_cached(
                    "UPDATE jobs SET state = 0, run_at = ?2, lease_until = NULL,
                         attempt = MAX(attempt - 1, 0)
                     WHERE id = ?1 AND state = 1",
                )
                .and_then(|mut update| update.execute(params![id, now]))
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
