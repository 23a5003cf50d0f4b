//! Everything no other route takes: explain what the app understands.

use switchboard_guest::{Request, handler};

#[handler(data = "frame")]
fn index(_req: Request) -> Result<(), String> {
    Err(r#"unknown message; send {"action":"whisper","to":NAME,"text":TEXT} or {"action":"online","users":[NAMES]}"#.into())
}
