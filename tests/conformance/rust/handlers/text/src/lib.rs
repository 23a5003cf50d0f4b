//! The text data type and route params.

use switchboard_guest::{Data, Error, Request, handler, json, socket};

#[handler(data = "text", timeout = 5)]
fn text(req: Request) -> Result<(), Error> {
    let Data::Text(raw) = &req.data else {
        return Err("expected text".into());
    };
    socket::send(json!({ "room": req.param("room"), "raw": raw }))
}
