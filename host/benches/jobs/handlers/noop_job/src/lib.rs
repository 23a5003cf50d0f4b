//! A job that does nothing but tell its pusher it ran.

use switchboard_guest::{Error, Job, job, json, socket};

#[job(concurrency = 64)]
fn run(job: Job) -> Result<(), Error> {
    socket::send(json!({ "done": job.id }))
}
