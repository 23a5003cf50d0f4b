//! A schedule of every second: tells the user `watcher` of each tick, and
//! what `send` (which has no user here) answered.

use switchboard_guest::{Error, Tick, json, schedule, socket};

#[schedule(cron = "* * * * * *")]
fn tick(tick: Tick) -> Result<(), Error> {
    let send_error = socket::send(json!({})).err().map(String::from);
    socket::to(&["watcher"]).send(json!({
        "tick": "rust",
        "scheduled_at": tick.scheduled_at,
        "catch_up": tick.catch_up,
        "send_error": send_error,
    }))
}
