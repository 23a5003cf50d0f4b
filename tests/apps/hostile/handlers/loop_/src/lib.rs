use switchboard_guest::{Request, handler};

#[handler]
fn spin(_req: Request) -> Result<(), String> {
    let mut n = 0u64;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}
