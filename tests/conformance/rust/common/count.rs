// `action_warm` and `action_fresh`: a module-level counter, which only a
// warm instance keeps between calls. `"spin": true` loops until fuel or
// the timeout stops the call.
use std::sync::atomic::{AtomicU32, Ordering};
use switchboard_guest::{Data, Error, Request, json, socket};

static COUNT: AtomicU32 = AtomicU32::new(0);

fn count(req: Request, mode: &str) -> Result<(), Error> {
    let Data::Json(message) = &req.data else {
        return Err("expected JSON".into());
    };
    if message["spin"] == json!(true) {
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }
    let count = COUNT.fetch_add(1, Ordering::Relaxed) + 1;
    socket::send(json!({ "count": count, "mode": mode }))?;
    Ok(())
}
