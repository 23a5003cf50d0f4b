//! Spins forever; stopped by fuel, or by the 1 s timeout when fuel is
//! plentiful.
use switchboard_guest::{Request, handler};

#[handler(timeout = 1)]
fn handle(_req: Request) -> Result<(), String> {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}
