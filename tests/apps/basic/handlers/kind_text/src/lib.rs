//! Takes the frame as text and answers with a text frame.
use switchboard_guest::{Data, Error, Request, handler, socket};

#[handler(data = "text")]
fn handle(req: Request) -> Result<(), Error> {
    match req.data {
        Data::Text(text) => socket::send(format!("text:{text}")),
        other => socket::send(format!("unexpected:{other:?}")),
    }
}
