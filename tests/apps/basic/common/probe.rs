// Shared by the probe handlers: replies with what the handler received and
// which route it is, so tests can tell routes apart.
use switchboard_guest::{Data, Error, Request, handler, json, socket};

#[handler]
fn probe(req: Request) -> Result<(), Error> {
    let data = match &req.data {
        Data::Json(value) => value.clone(),
        Data::Text(text) => json!({ "text": text }),
        Data::Binary(bytes) => json!({ "binary": bytes.len() }),
    };
    socket::send(json!({
        "route": ROUTE,
        "connection": req.connection,
        "requestId": req.request_id,
        "user": req.user.as_ref().map(|u| json!({ "id": u.id, "claims": u.claims })),
        "params": req.params,
        "data": data,
    }))
}
