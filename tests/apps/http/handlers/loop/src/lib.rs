//! Spins forever; stopped by fuel or the timeout.

use switchboard_guest::http::{Request, Response};
use switchboard_guest::http_handler;

#[http_handler]
fn spin(_req: Request) -> Response {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}
