//! The queue `trap`: every run traps.

use switchboard_guest::{Error, Job, job};

#[job(max_attempts = 2)]
fn run(_job: Job) -> Result<(), Error> {
    panic!("this job always traps")
}
