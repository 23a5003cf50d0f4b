use switchboard_guest::{Error, Request, handler, socket};

/// 10,000 `send` calls in one invocation; the first refusal ends it.
#[handler]
fn flood(_req: Request) -> Result<(), Error> {
    for i in 0..10_000 {
        socket::send(format!("flood {i}"))?;
    }
    Ok(())
}
