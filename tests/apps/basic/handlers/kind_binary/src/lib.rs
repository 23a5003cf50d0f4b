//! Takes the frame as bytes and answers with them reversed, as binary.
use switchboard_guest::{Data, Request, handler, socket};

#[handler(data = "binary")]
fn handle(req: Request) -> Result<(), socket::SendError> {
    match req.data {
        Data::Binary(mut bytes) => {
            bytes.reverse();
            socket::send(bytes)
        }
        other => socket::send(format!("unexpected:{other:?}")),
    }
}
