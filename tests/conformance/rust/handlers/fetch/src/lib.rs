//! `api/fetch`, served at `/api/fetch?url=URL`: GETs the URL and answers
//! 200 with the upstream status and body, or 502 with the error when the
//! request fails (denied, refused, timed out).

use switchboard_guest::http::{self, Request, Response};
use switchboard_guest::{http_handler, json};

#[http_handler]
fn fetch(req: Request) -> Response {
    let Some(url) = req.query_param("url") else {
        return Response::error(400, "missing the url query parameter");
    };
    match http::get(&url) {
        Ok(upstream) => Response::json(&json!({
            "status": upstream.status,
            "body": String::from_utf8_lossy(upstream.body.as_bytes()),
        })),
        Err(err) => Response::error(502, err),
    }
}
