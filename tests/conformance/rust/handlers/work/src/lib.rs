//! The queue `work`: fails until `payload.fail_until`, then reports the
//! job to whoever pushed it.

use switchboard_guest::{Error, Job, context, job, json, socket};

#[job(max_attempts = 3)]
fn run(job: Job) -> Result<(), Error> {
    if let Some(until) = job.payload["fail_until"].as_u64()
        && u64::from(job.attempt) < until
    {
        return Err(format!("attempt {} failed", job.attempt).into());
    }
    // A job pushed by an anonymous caller has no one to send to.
    let _ = socket::send(json!({
        "job": job.id,
        "tag": job.payload["tag"],
        "attempt": job.attempt,
        "context_attempt": context::attempt(),
        "user": job.user.map(|user| user.id),
        "lang": "rust",
    }));
    Ok(())
}
