//! Streams a 100 MB body, 64 KiB at a time, without holding it.

use switchboard_guest::http::{Request, Response};
use switchboard_guest::http_handler;

const CHUNK: usize = 64 << 10;
const TOTAL: usize = 100 << 20;

#[http_handler]
fn huge(_req: Request) -> Response {
    Response::stream(|out| {
        let chunk = [b'x'; CHUNK];
        for _ in 0..TOTAL / CHUNK {
            out.write(&chunk)?;
        }
        Ok(())
    })
    .with_header("content-type", "application/octet-stream")
}
