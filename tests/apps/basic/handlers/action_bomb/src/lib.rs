//! Allocates memory until the cap stops it.
use switchboard_guest::{Request, handler};

#[handler]
fn handle(_req: Request) -> Result<(), String> {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![1; 1 << 20]);
        std::hint::black_box(&hoard);
    }
}
