//! Panics, which traps the instance.
use switchboard_guest::{Request, handler};

#[handler]
fn handle(_req: Request) -> Result<(), String> {
    panic!("deliberate panic")
}
