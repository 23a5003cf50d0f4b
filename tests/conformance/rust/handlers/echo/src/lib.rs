//! `api/echo/[id]`, served at `/api/echo/:id`: echoes the request as
//! JSON. With an `x-send` header it first sends to the caller's sockets,
//! and answers 400 with the error if that fails.

use switchboard_guest::http::{Request, Response};
use switchboard_guest::{context, http_handler, json, socket};

const LANG: &str = "rust";

#[http_handler]
fn echo(req: Request) -> Response {
    if req.header("x-send").is_some()
        && let Err(err) = socket::send(json!({ "from": LANG, "via": "http" }))
    {
        return Response::error(400, err).with_header("x-lang", LANG);
    }
    Response::json(&json!({
        "lang": LANG,
        "method": req.method,
        "path": req.path_with_query,
        "id": context::param("id"),
        "user": context::user().map(|user| user.id),
        "header": req.header("x-probe"),
        "body": String::from_utf8_lossy(&req.body),
    }))
    .with_header("x-lang", LANG)
}
