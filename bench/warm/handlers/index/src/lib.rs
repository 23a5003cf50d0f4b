//! Echoes every frame back unchanged, as bench/app's `index` does, from
//! warm instances: kept from call to call rather than made for each.

use switchboard_guest::{Data, Error, Request, handler, socket};

#[handler(data = "frame", instances = "warm")]
fn echo(req: Request) -> Result<(), Error> {
    match req.data {
        Data::Binary(bytes) => socket::send(bytes),
        Data::Text(text) => socket::send(text),
        Data::Json(value) => socket::send(value),
    }
}
