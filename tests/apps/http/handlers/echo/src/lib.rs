//! `/api/echo`: answers with the request's body and content type.

use switchboard_guest::http::{Request, Response};
use switchboard_guest::http_handler;

#[http_handler]
fn echo(req: Request) -> Response {
    let mut response = Response::new(200);
    if let Some(content_type) = req.header("content-type") {
        response.headers.set("content-type", content_type);
    }
    response.with_body(req.body)
}
