//! The queue `long_task`: works through `payload.steps` steps, telling
//! the user who started it after each one, then says it is done.
//!
//! Messages, to every socket of that user:
//! `{"task": ID, "progress": K, "of": N}` for K = 1..N, then
//! `{"task": ID, "done": true}`.
//!
//! The sleep stands in for real work. A run that fails or traps is
//! retried (up to `max_attempts`) and starts again from step 1.

use std::time::Duration;
use switchboard_guest::{Error, Job, job, json, socket};

/// How long one step takes.
const STEP: Duration = Duration::from_millis(400);

#[job(max_attempts = 3, timeout = 30)]
fn run(job: Job) -> Result<(), Error> {
    let steps = job.payload["steps"].as_u64().unwrap_or(10).clamp(1, 20);
    for step in 1..=steps {
        std::thread::sleep(STEP);
        socket::send(json!({ "task": job.id, "progress": step, "of": steps }))?;
    }
    socket::send(json!({ "task": job.id, "done": true }))
}
