use switchboard_guest::{Request, handler, socket};

/// Tries to send one 100 MB message.
#[handler]
fn huge(_req: Request) -> Result<(), String> {
    let text = "x".repeat(100 << 20);
    socket::send(text).map_err(|e| e.to_string())
}
