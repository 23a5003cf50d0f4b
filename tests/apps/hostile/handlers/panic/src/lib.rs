use switchboard_guest::{Request, handler};

#[handler]
fn boom(_req: Request) -> Result<(), String> {
    panic!("hostile panic")
}
