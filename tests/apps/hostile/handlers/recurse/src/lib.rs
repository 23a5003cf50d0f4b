use switchboard_guest::{Request, handler};

#[allow(unconditional_recursion)]
fn deeper(n: u64, pad: [u64; 16]) -> u64 {
    let pad = std::hint::black_box(pad);
    deeper(n + 1, pad) + pad[(n % 16) as usize]
}

#[handler]
fn recurse(_req: Request) -> Result<(), String> {
    std::hint::black_box(deeper(0, [1; 16]));
    Ok(())
}
