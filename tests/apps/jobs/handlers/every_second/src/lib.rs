//! Every second: tells `watcher` the tick, and what `send` answered.

use switchboard_guest::{Error, Tick, json, schedule, socket};

#[schedule(cron = "* * * * * *")]
fn tick(tick: Tick) -> Result<(), Error> {
    let send_error = socket::send(json!({})).err().map(String::from);
    socket::to(&["watcher"]).send(json!({
        "tick": tick.scheduled_at,
        "catch_up": tick.catch_up,
        "send_error": send_error,
    }))
}
