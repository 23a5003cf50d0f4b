use switchboard_guest::{Request, handler, socket};

/// 10,000 `send` calls in one invocation; the first refusal ends it.
#[handler]
fn flood(_req: Request) -> Result<(), String> {
    for i in 0..10_000 {
        socket::send(format!("flood {i}")).map_err(|e| e.to_string())?;
    }
    Ok(())
}
