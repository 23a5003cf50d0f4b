use switchboard_guest::{Request, handler};

#[handler]
fn bomb(_req: Request) -> Result<(), String> {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![7; 1 << 20]);
        std::hint::black_box(&hoard);
    }
}
