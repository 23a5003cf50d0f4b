//! Takes the frame as bytes and answers with them reversed, as binary.
use switchboard_guest::{Data, Error, Request, handler, socket};

#[handler(data = "binary")]
fn handle(req: Request) -> Result<(), Error> {
    match req.data {
        Data::Binary(mut bytes) => {
            bytes.reverse();
            socket::send(bytes)
        }
        other => socket::send(format!("unexpected:{other:?}")),
    }
}
