//! Panics, which traps (`panic = "abort"`).

use switchboard_guest::http::{Request, Response};
use switchboard_guest::http_handler;

#[http_handler]
fn trap(_req: Request) -> Response {
    panic!("trapped on purpose")
}
