//! Declares an expression with five fields but no valid minute: the
//! server must leave it unloaded and say why.

use switchboard_guest::{Error, Tick, schedule};

#[schedule(cron = "61 * * * *")]
fn never(_tick: Tick) -> Result<(), Error> {
    Ok(())
}
