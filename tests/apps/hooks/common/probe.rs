// A handler that answers with its route name and what it received.
use switchboard_guest::{Error, Request, handler, json, socket};

#[handler]
fn probe(req: Request) -> Result<(), Error> {
    socket::send(json!({
        "route": ROUTE,
        "requestId": req.request_id,
        "user": req.user.as_ref().map(|u| u.id.clone()),
        "data": req.json(),
    }))
}
