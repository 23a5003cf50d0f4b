//! Queued jobs and schedule ticks: the [`JobQueue`] trait a durable queue
//! implements, and [`Queues`], the push side every call's scope holds. It
//! knows the app's queue names, enforces the push limits once above the
//! trait (as [`LimitedStore`](super::limits::LimitedStore) does for the
//! store), and wakes a queue's runner when a job arrives.
//!
//! Times are Unix milliseconds, so that every node sharing a backend
//! agrees on them.

use super::BackendError;
use arc_swap::ArcSwap;
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

/// The user a job acts for: the one its push acted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobUser {
    pub id: String,
    /// A JSON object, if the user had claims.
    pub claims: Option<String>,
}

/// A job to queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub queue: String,
    /// JSON text.
    pub payload: String,
    pub user: Option<JobUser>,
    /// Not run before this time.
    pub run_at: u64,
    /// The key, and when it stops deduplicating.
    pub idempotency: Option<(String, u64)>,
    /// Refuse the push when the queue holds this many waiting or running
    /// jobs.
    pub max_depth: u64,
}

/// A job leased to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    pub queue: String,
    pub payload: String,
    pub user: Option<JobUser>,
    /// 1 on the first run; a lease counts as an attempt, so a run cut
    /// short by a crash counts too.
    pub attempt: u32,
}

/// How many jobs a queue holds, by state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueStats {
    pub queue: String,
    /// Due now.
    pub ready: u64,
    /// Waiting for a delay or a retry's backoff.
    pub delayed: u64,
    pub running: u64,
    pub dead: u64,
}

/// A job that failed its last attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadJob {
    pub id: String,
    pub queue: String,
    pub payload: String,
    pub user: Option<String>,
    pub attempts: u32,
    pub error: String,
    pub died_at: u64,
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    New(String),
    /// The idempotency key was seen within its window: nothing was queued,
    /// and this is the first push's job.
    Duplicate(String),
}

impl Pushed {
    pub fn id(&self) -> &str {
        match self {
            Pushed::New(id) | Pushed::Duplicate(id) => id,
        }
    }
}

/// Why a push queued nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    #[error(
        "queue `{queue}` is full: {depth} jobs are waiting or running (the cap is jobs.max-depth); try again later"
    )]
    Full { queue: String, depth: u64 },
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// A durable queue of jobs, and the ticks schedules have run.
#[async_trait]
pub trait JobQueue: Send + Sync + 'static {
    /// Stores a job, durably, before returning its id.
    async fn push(&self, job: NewJob) -> Result<Pushed, PushError>;
    /// Leases up to `max` of the queue's due jobs until `lease_until`,
    /// counting an attempt for each. A job not settled by then is due
    /// again.
    async fn lease(
        &self,
        queue: &str,
        max: usize,
        now: u64,
        lease_until: u64,
    ) -> Result<Vec<Job>, BackendError>;
    /// The job succeeded: it is gone, and never runs again.
    async fn complete(&self, id: &str) -> Result<(), BackendError>;
    /// The run failed: the job is due again at `run_at`.
    async fn retry(&self, id: &str, run_at: u64, error: &str) -> Result<(), BackendError>;
    /// The last attempt failed: the job moves to the dead letters.
    async fn bury(&self, id: &str, error: &str, now: u64) -> Result<(), BackendError>;
    /// Gives up a lease without a result (the node is stopping): the job
    /// is due again at once, and the cut-short run does not count as an
    /// attempt.
    async fn release(&self, id: &str, now: u64) -> Result<(), BackendError>;
    /// When the queue's next waiting job is due, if it has one.
    async fn next_due(&self, queue: &str) -> Result<Option<u64>, BackendError>;
    /// Every queue holding jobs, by name.
    async fn stats(&self, now: u64) -> Result<Vec<QueueStats>, BackendError>;
    /// Dead letters, oldest first.
    async fn dead(&self, limit: usize) -> Result<Vec<DeadJob>, BackendError>;
    /// Queues a dead job again, with its attempts reset. False if there is
    /// no such dead job.
    async fn requeue_dead(&self, id: &str, now: u64) -> Result<bool, BackendError>;
    /// Deletes a dead job. False if there is no such dead job.
    async fn drop_dead(&self, id: &str) -> Result<bool, BackendError>;
    /// The latest tick recorded for `schedule`.
    async fn last_tick(&self, schedule: &str) -> Result<Option<u64>, BackendError>;
    /// Records `tick` for `schedule` if it is later than the one recorded,
    /// and says whether it did: only the node that records a tick runs it.
    async fn claim_tick(&self, schedule: &str, tick: u64) -> Result<bool, BackendError>;
}

/// The current time, in Unix milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64
}

/// The push limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimits {
    pub max_payload_bytes: usize,
    /// Waiting and running jobs one queue may hold.
    pub max_depth: u64,
    pub idempotency_window: Duration,
    pub max_delay: Duration,
}

impl Default for QueueLimits {
    fn default() -> Self {
        QueueLimits {
            max_payload_bytes: 256 << 10,
            max_depth: 100_000,
            idempotency_window: Duration::from_secs(24 * 3600),
            max_delay: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// The longest idempotency key, in bytes.
pub const MAX_KEY_BYTES: usize = 256;

/// What a push asks for beyond its queue and payload.
#[derive(Debug, Clone, Default)]
pub struct PushOptions {
    pub delay: Option<Duration>,
    pub idempotency_key: Option<String>,
}

/// The push side of the queue. Cloned into every call's scope; the job
/// runner sets the queue names when an app loads.
#[derive(Clone)]
pub struct Queues {
    backend: Arc<dyn JobQueue>,
    limits: QueueLimits,
    /// Each queue of the current app, with the signal its runner waits on.
    queues: Arc<ArcSwap<HashMap<String, Arc<Notify>>>>,
}

impl Queues {
    pub fn new(backend: Arc<dyn JobQueue>, limits: QueueLimits) -> Self {
        Queues {
            backend,
            limits,
            queues: Arc::default(),
        }
    }

    pub fn backend(&self) -> &Arc<dyn JobQueue> {
        &self.backend
    }

    /// Makes `names` the queues pushes may name. A queue that stays keeps
    /// its signal.
    pub fn set_names<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        let old = self.queues.load();
        let new = names
            .into_iter()
            .map(|name| {
                let signal = old.get(name).cloned().unwrap_or_default();
                (name.to_owned(), signal)
            })
            .collect();
        self.queues.store(Arc::new(new));
    }

    /// The signal a queue's runner waits on, while the queue exists.
    pub fn signal(&self, queue: &str) -> Option<Arc<Notify>> {
        self.queues.load().get(queue).cloned()
    }

    /// Checks a push against the limits, stores it, and wakes the queue's
    /// runner. Errors are texts for the pushing guest.
    pub async fn push(
        &self,
        queue: &str,
        payload: String,
        user: Option<JobUser>,
        options: PushOptions,
    ) -> Result<Pushed, String> {
        let Some(signal) = self.signal(queue) else {
            return Err(self.unknown(queue));
        };
        if payload.len() > self.limits.max_payload_bytes {
            return Err(format!(
                "the payload is {} bytes, over the cap of {} (jobs.max-payload-bytes)",
                payload.len(),
                self.limits.max_payload_bytes
            ));
        }
        if let Err(err) = serde_json::from_str::<serde::de::IgnoredAny>(&payload) {
            return Err(format!("the payload is not JSON: {err}"));
        }
        let delay = options.delay.unwrap_or_default();
        if delay > self.limits.max_delay {
            return Err(format!(
                "a delay of {} s is over the cap of {} s",
                delay.as_secs(),
                self.limits.max_delay.as_secs()
            ));
        }
        let now = now_ms();
        let idempotency = match options.idempotency_key {
            Some(key) if key.len() > MAX_KEY_BYTES => {
                return Err(format!(
                    "the idempotency key is longer than {MAX_KEY_BYTES} bytes"
                ));
            }
            Some(key) => Some((key, now + self.limits.idempotency_window.as_millis() as u64)),
            None => None,
        };
        let job = NewJob {
            queue: queue.to_owned(),
            payload,
            user,
            run_at: now + delay.as_millis() as u64,
            idempotency,
            max_depth: self.limits.max_depth,
        };
        let pushed = self
            .backend
            .push(job)
            .await
            .map_err(|err| err.to_string())?;
        if matches!(pushed, Pushed::New(_)) {
            signal.notify_one();
        }
        Ok(pushed)
    }

    fn unknown(&self, queue: &str) -> String {
        let queues = self.queues.load();
        let mut names: Vec<&str> = queues.keys().map(String::as_str).collect();
        names.sort_unstable();
        let known = match names.is_empty() {
            true => "the app has no queues".to_owned(),
            false => format!("its queues are {}", names.join(", ")),
        };
        format!("there is no queue `{queue}` (add queues/{queue}.wasm); {known}")
    }
}
