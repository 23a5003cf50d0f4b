//! Accepts every message and does nothing.

use switchboard_guest::{Request, handler};

#[handler(data = "binary")]
fn noop(_req: Request) -> Result<(), String> {
    Ok(())
}
