//! Returns an error without sending anything.
use switchboard_guest::{Request, handler};

#[handler]
fn handle(_req: Request) -> Result<(), String> {
    Err("handler said no".into())
}
