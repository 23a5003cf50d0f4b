//! Echoes every frame back unchanged: text as text, binary as binary.

use switchboard_guest::{Data, Error, Request, handler, socket};

#[handler(data = "frame")]
fn echo(req: Request) -> Result<(), Error> {
    match req.data {
        Data::Binary(bytes) => socket::send(bytes),
        Data::Text(text) => socket::send(text),
        Data::Json(value) => socket::send(value),
    }
}
