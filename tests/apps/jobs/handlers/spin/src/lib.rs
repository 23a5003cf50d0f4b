//! The queue `spin`: every run loops until the host stops it.

use switchboard_guest::{Error, Job, job};

#[job(max_attempts = 1, timeout = 1)]
fn run(job: Job) -> Result<(), Error> {
    let mut n = job.attempt as u64;
    loop {
        n = std::hint::black_box(n.wrapping_mul(31).wrapping_add(7));
    }
}
