//! The text data type and route params.

use switchboard_guest::{Data, Request, handler, json, socket};

#[handler(data = "text", timeout = 5)]
fn text(req: Request) -> Result<(), String> {
    let Data::Text(raw) = &req.data else {
        return Err("expected text".into());
    };
    socket::send(json!({ "room": req.param("room"), "raw": raw })).map_err(|e| e.to_string())
}
