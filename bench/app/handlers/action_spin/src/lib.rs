//! `{"action": "spin"}`: a runaway handler that never returns; the host
//! has to stop it with its fuel or time limit.

use switchboard_guest::{Request, handler};

#[handler]
fn spin(_req: Request) -> Result<(), String> {
    let mut n = 0u64;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}
