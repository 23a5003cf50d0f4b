//! The baseline: sends the job's message from the socket handler itself.

use switchboard_guest::{Error, Request, handler, json, socket};

#[handler]
fn direct(_req: Request) -> Result<(), Error> {
    socket::send(json!({ "done": "direct" }))
}
