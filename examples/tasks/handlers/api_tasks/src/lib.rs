//! `POST /api/tasks` starts a long task for the signed-in user: it queues
//! a `long_task` job and answers **202** `{"task": JOB_ID}` at once; the
//! job then reports its progress over the user's sockets.
//!
//! An optional JSON body `{"steps": N}` (1 to 20) sets the task's length.

use switchboard_guest::http::{Request, Response};
use switchboard_guest::{Value, context, http_handler, json, queue};

/// Steps of a task when the request names none, and the most it may ask.
const DEFAULT_STEPS: u64 = 10;
const MAX_STEPS: u64 = 20;

#[http_handler]
fn tasks(req: Request) -> Response {
    if req.method != "POST" {
        return Response::error(405, "POST to start a task").with_header("allow", "POST");
    }
    let Some(user) = context::user() else {
        return Response::error(401, "name a user: ?user=NAME or an x-user header");
    };
    let body: Value = if req.body.is_empty() {
        Value::Null
    } else {
        match req.json() {
            Ok(body) => body,
            Err(err) => return Response::error(400, format!("the body is not JSON: {err}")),
        }
    };
    let steps = body["steps"]
        .as_u64()
        .unwrap_or(DEFAULT_STEPS)
        .clamp(1, MAX_STEPS);
    // The job acts for this request's user: its `socket::send` reaches them.
    match queue::push("long_task", &json!({ "steps": steps })) {
        Ok(id) => Response::json(&json!({ "task": id, "user": user.id, "steps": steps }))
            .with_status(202),
        Err(err) => Response::error(503, format!("cannot queue the task: {err}")),
    }
}
