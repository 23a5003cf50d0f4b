//! Sleeps far past its 1 s timeout.
use switchboard_guest::{Request, handler};

#[handler(timeout = 1)]
fn handle(_req: Request) -> Result<(), String> {
    std::thread::sleep(std::time::Duration::from_secs(60));
    Ok(())
}
