//! `/api/users/me`: more specific than `/api/users/:id`, so it wins.

use switchboard_guest::http::{Request, Response};
use switchboard_guest::{http_handler, json};

#[http_handler]
fn me(_req: Request) -> Response {
    Response::json(&json!({ "route": "me" }))
}
