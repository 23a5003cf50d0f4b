//! Pushes one job to queue `noop` per message, and answers nothing.

use switchboard_guest::{Error, Request, handler, json, queue};

#[handler]
fn push(_req: Request) -> Result<(), Error> {
    queue::push("noop", &json!({})).map(drop)
}
