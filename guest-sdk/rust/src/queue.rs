//! Queued jobs: push one from any kind of component, and write the
//! function that runs them with [`#[job]`](crate::job).
//!
//! ```no_run
//! use switchboard_guest::{Error, Job, job, json, queue, socket};
//!
//! // queues/report.rs: runs each job of queue `report`.
//! #[job(max_attempts = 3)]
//! fn run(job: Job) -> Result<(), Error> {
//!     let rows = job.payload["rows"].as_u64().unwrap_or(0);
//!     socket::send(json!({ "report": "ready", "rows": rows }))?; // to the pusher
//!     Ok(())
//! }
//!
//! // In a socket or HTTP handler:
//! fn start() -> Result<String, Error> {
//!     queue::push("report", &json!({ "rows": 1000 }))
//! }
//! # fn main() {}
//! ```

use crate::wit::queue as host;
use crate::{Error, User};
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;

/// Queues a job on `queue` (the name of `queues/<queue>.wasm`) with
/// `payload` as JSON, and returns its id. The job acts for the user this
/// call acts for: `send` inside it reaches them.
pub fn push(queue: &str, payload: &impl Serialize) -> Result<String, Error> {
    push_with(queue, payload, PushOptions::default())
}

/// [`push`] with a delay or an idempotency key.
pub fn push_with(
    queue: &str,
    payload: &impl Serialize,
    options: PushOptions,
) -> Result<String, Error> {
    let payload = serde_json::to_string(payload).map_err(Error::new)?;
    let options = host::PushOptions {
        delay_ms: options.delay.map(|delay| delay.as_millis() as u64),
        idempotency_key: options.idempotency_key,
    };
    host::push(queue, &payload, &options).map_err(Error::from)
}

/// What a push asks for besides its queue and payload.
#[derive(Debug, Clone, Default)]
pub struct PushOptions {
    /// Run no sooner than this from now.
    pub delay: Option<Duration>,
    /// A second push with the same key to the same queue, within the
    /// server's window (24 h by default), queues nothing and returns the
    /// first job's id.
    pub idempotency_key: Option<String>,
}

impl PushOptions {
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

/// One run of a queued job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    /// The payload, as pushed.
    pub payload: Value,
    /// The user the push acted for.
    pub user: Option<User>,
    /// 1 on the first run, 2 on the first retry, and so on.
    pub attempt: u32,
}

impl Job {
    /// The payload as a typed value.
    pub fn payload_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        T::deserialize(&self.payload).map_err(|err| Error::new(format!("job payload: {err}")))
    }
}

/// One tick of a schedule, given to a [`#[schedule]`](crate::schedule)
/// function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// The tick's time, in Unix milliseconds.
    pub scheduled_at: u64,
    /// This run makes up for ticks missed while no server ran.
    pub catch_up: bool,
}
