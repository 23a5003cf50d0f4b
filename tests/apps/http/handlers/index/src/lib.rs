//! `/api`: names its route and the request's user.

use switchboard_guest::http::{Request, Response};
use switchboard_guest::{context, http_handler, json};

#[http_handler]
fn index(_req: Request) -> Response {
    Response::json(&json!({
        "route": "index",
        "user": context::user().map(|user| user.id),
    }))
}
