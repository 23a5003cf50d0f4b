// One handler's operations, by the message's `op` field, for the warm
// instance tests. Its statics are what a warm instance keeps.
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use switchboard_guest::{Data, Error, Request, json, socket};

static COUNT: AtomicU32 = AtomicU32::new(0);
static HELD: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

fn op(req: Request, mode: &str) -> Result<(), Error> {
    let Data::Json(message) = &req.data else {
        return Err("expected JSON".into());
    };
    let count = COUNT.fetch_add(1, Ordering::Relaxed) + 1;
    match message["op"].as_str().unwrap_or("count") {
        "count" => {}
        // A panic: the instance traps.
        "trap" => panic!("trap on purpose"),
        // Runs until fuel stops it.
        "spin" => {
            let mut n: u64 = 0;
            loop {
                n = std::hint::black_box(n.wrapping_add(1));
            }
        }
        // Keeps `mib` MiB more in a static, touched.
        "grab" => {
            let mib = message["mib"].as_u64().unwrap_or(1) as usize;
            HELD.lock().unwrap().push(vec![1; mib << 20]);
        }
        // Works for `ms` milliseconds of wall-clock time.
        "busy" => {
            let until = Instant::now() + Duration::from_millis(message["ms"].as_u64().unwrap_or(0));
            while Instant::now() < until {
                std::hint::spin_loop();
            }
        }
        // `n` rounds of a loop, for a known share of the fuel.
        "work" => {
            let mut x: u64 = 0;
            for i in 0..message["n"].as_u64().unwrap_or(0) {
                x = std::hint::black_box(x.wrapping_add(i));
            }
        }
        // Sends `n` messages to the caller before the reply.
        "sends" => {
            for n in 0..message["n"].as_u64().unwrap_or(0) {
                socket::send(json!({ "n": n }))?;
            }
        }
        other => return Err(format!("unknown op {other}").into()),
    }
    let user = req.user.as_ref().map(|user| user.id.clone());
    socket::send(json!({ "count": count, "mode": mode, "user": user }))?;
    Ok(())
}
