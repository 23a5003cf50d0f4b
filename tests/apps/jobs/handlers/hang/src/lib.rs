//! Every second, but each run hangs until its 3-second timeout: tells
//! `hang_watcher` that it started, then sleeps.

use std::time::Duration;
use switchboard_guest::{Error, Tick, json, schedule, socket};

#[schedule(cron = "* * * * * *", timeout = 3)]
fn hang(tick: Tick) -> Result<(), Error> {
    socket::to(&["hang_watcher"]).send(json!({ "hang_started": tick.scheduled_at }))?;
    std::thread::sleep(Duration::from_secs(3600));
    Ok(())
}
