//! Authentication by query parameter, and presence hooks that record
//! transitions in the store.

use switchboard_guest::{HttpRequest, Presence, User, authenticate, json, socket, store};

#[authenticate]
fn who(req: HttpRequest) -> Result<Option<User>, String> {
    if req.query_param("deny").is_some() {
        return Err("denied".into());
    }
    Ok(req
        .query_param("user")
        .map(|id| User::new(id).with_claims(json!({ "via": "conformance" }))))
}

struct Hooks;

impl Presence for Hooks {
    fn on_online(user: &str) -> Result<(), String> {
        store::set_add("online_seen", user)?;
        socket::send(json!({ "presence": "online", "user": user })).map_err(|e| e.to_string())
    }

    fn on_offline(user: &str) -> Result<(), String> {
        store::set_add("offline_seen", user).map(|_| ())
    }
}

switchboard_guest::export_presence!(Hooks);
