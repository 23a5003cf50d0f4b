//! Allocates memory until the cap stops it.

use switchboard_guest::http::{Request, Response};
use switchboard_guest::http_handler;

#[http_handler]
fn bomb(_req: Request) -> Response {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![1; 1 << 20]);
        std::hint::black_box(&hoard);
    }
}
