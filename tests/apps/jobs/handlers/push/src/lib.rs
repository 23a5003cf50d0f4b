//! `POST /api/push` with `{"queue": Q, "payload": P}`: pushes the job for
//! the request's user and answers `{"queued": ID}`, or 400 with the error.

use switchboard_guest::http::{Request, Response};
use switchboard_guest::{Value, http_handler, json, queue};

#[http_handler]
fn push(req: Request) -> Response {
    let body: Value = serde_json_from(&req.body);
    let name = body["queue"].as_str().unwrap_or_default();
    match queue::push(name, &body["payload"]) {
        Ok(id) => Response::json(&json!({ "queued": id })),
        Err(err) => Response::json(&json!({ "error": err.as_str() })).with_status(400),
    }
}

fn serde_json_from(bytes: &[u8]) -> Value {
    switchboard_guest::serde_json::from_slice(bytes).unwrap_or_default()
}
