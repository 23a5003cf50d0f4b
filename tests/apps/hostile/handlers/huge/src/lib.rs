use switchboard_guest::{Error, Request, handler, socket};

/// Tries to send one 100 MB message.
#[handler]
fn huge(_req: Request) -> Result<(), Error> {
    let text = "x".repeat(100 << 20);
    socket::send(text)
}
