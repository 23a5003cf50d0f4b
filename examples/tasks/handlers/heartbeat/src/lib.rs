//! Every two seconds, tells everyone online that the scheduler is alive:
//! `{"heartbeat": SCHEDULED_AT_MS, "online": COUNT}`.
//!
//! A schedule acts for no user, so `socket::send` has no one to reach;
//! it sends to the online set the middleware's presence hooks keep, in
//! batches of 100 with `socket::to_each`.

use switchboard_guest::{Error, Tick, json, schedule, socket, store};

/// The store set of users online, kept by `socket/_middleware`.
const ONLINE: &str = "online";

#[schedule(cron = "*/2 * * * * *")]
fn heartbeat(tick: Tick) -> Result<(), Error> {
    let online = store::set_members(ONLINE)?;
    if online.is_empty() {
        return Ok(());
    }
    socket::to_each(&online).send(json!({
        "heartbeat": tick.scheduled_at,
        "online": online.len(),
    }))
}
