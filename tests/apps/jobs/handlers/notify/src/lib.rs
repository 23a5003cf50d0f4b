//! The queue `notify`: tells the pushing user each attempt starts, fails
//! while the attempt is below `payload.fail_until`, sleeps
//! `payload.sleep_ms`, then sends `{"done": ID, ...}`.

use std::time::Duration;
use switchboard_guest::{Error, Job, context, job, json, socket};

#[job(max_attempts = 3, concurrency = 8)]
fn run(job: Job) -> Result<(), Error> {
    let _ = socket::send(json!({ "started": job.id, "attempt": job.attempt }));
    if let Some(until) = job.payload["fail_until"].as_u64()
        && u64::from(job.attempt) < until
    {
        return Err(format!("attempt {} failed", job.attempt).into());
    }
    if let Some(ms) = job.payload["sleep_ms"].as_u64() {
        std::thread::sleep(Duration::from_millis(ms));
    }
    socket::send(json!({
        "done": job.id,
        "payload": job.payload,
        "attempt": job.attempt,
        "context_attempt": context::attempt(),
        "user": job.user.map(|user| user.id),
    }))
}
