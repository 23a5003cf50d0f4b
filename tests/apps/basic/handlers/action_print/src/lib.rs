//! Writes `text` to stdout and stderr, which the host logs.
use switchboard_guest::{Request, handler, socket};

#[handler]
fn handle(req: Request) -> Result<(), socket::SendError> {
    let text = req.json()["text"].as_str().unwrap_or_default();
    println!("stdout says {text}");
    eprintln!("stderr says {text}");
    socket::send("printed")
}
