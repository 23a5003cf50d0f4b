use switchboard_guest::{Request, handler};

#[handler]
fn fail(_req: Request) -> Result<(), String> {
    Err("nope".into())
}
