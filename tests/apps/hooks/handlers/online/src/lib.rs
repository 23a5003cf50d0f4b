use switchboard_guest::{Request, handler, json, socket};

#[handler]
fn online(req: Request) -> Result<(), socket::SendError> {
    let user = req.json()["user"].as_str().unwrap_or_default();
    socket::send(json!({ "user": user, "online": socket::is_online(user) }))
}
