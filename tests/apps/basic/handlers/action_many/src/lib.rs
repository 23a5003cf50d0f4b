//! Sends `count` numbered messages, to check ordering.
use switchboard_guest::{Error, Request, handler, json, socket};

#[handler]
fn handle(req: Request) -> Result<(), Error> {
    let count = req.json()["count"].as_u64().unwrap_or(0);
    for seq in 0..count {
        socket::send(json!({ "seq": seq }))?;
    }
    Ok(())
}
