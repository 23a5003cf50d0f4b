//! Pushes jobs: `{"op": "push", "queue": Q, "payload": P, "key"?: K,
//! "delay_ms"?: D}` answers `{"queued": ID}` or `{"push_error": REASON}`;
//! `{"op": "push_raw", "queue": Q, "text": T}` pushes T as the payload
//! text unchanged; `{"op": "echo"}` answers `{"echo": true}`.

use std::time::Duration;
use switchboard_guest::queue::{self, PushOptions};
use switchboard_guest::{Error, Request, handler, json, socket, wit};

#[handler]
fn index(req: Request) -> Result<(), Error> {
    let message = req.json();
    let name = message["queue"].as_str().unwrap_or_default();
    let pushed = match message["op"].as_str().unwrap_or_default() {
        "push" => {
            let mut options = PushOptions::default();
            if let Some(key) = message["key"].as_str() {
                options = options.idempotency_key(key);
            }
            if let Some(delay) = message["delay_ms"].as_u64() {
                options = options.delay(Duration::from_millis(delay));
            }
            queue::push_with(name, &message["payload"], options)
        }
        "push_raw" => {
            let text = message["text"].as_str().unwrap_or_default();
            let options = wit::queue::PushOptions {
                delay_ms: None,
                idempotency_key: None,
            };
            wit::queue::push(name, text, &options).map_err(Error::from)
        }
        "echo" => return socket::send(json!({ "echo": true })),
        _ => return Err("unknown op".into()),
    };
    match pushed {
        Ok(id) => socket::send(json!({ "queued": id })),
        Err(err) => socket::send(json!({ "push_error": err.as_str() })),
    }
}
