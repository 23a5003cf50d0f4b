//! Anything else: say what the chat understands.

use switchboard_guest::{Request, handler};

#[handler(data = "frame")]
fn index(_req: Request) -> Result<(), String> {
    Err(r#"unknown message; send {"action":"join"|"leave","room":ROOM} or {"action":"say","room":ROOM,"text":TEXT}"#.into())
}
