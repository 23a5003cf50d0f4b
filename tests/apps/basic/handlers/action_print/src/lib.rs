//! Writes `text` to stdout and stderr, `times` times each (once by
//! default), which the host logs.
use switchboard_guest::{Error, Request, handler, socket};

#[handler]
fn handle(req: Request) -> Result<(), Error> {
    let message = req.json();
    let text = message["text"].as_str().unwrap_or_default();
    for _ in 0..message["times"].as_u64().unwrap_or(1) {
        println!("stdout says {text}");
        eprintln!("stderr says {text}");
    }
    socket::send("printed")
}
