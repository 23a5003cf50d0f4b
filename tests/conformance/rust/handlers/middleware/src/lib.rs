//! Authentication by query parameter, and presence hooks that record
//! transitions in the store.

use switchboard_guest::{Error, HttpRequest, Presence, User, authenticate, json, socket, store};

#[authenticate]
fn who(req: HttpRequest) -> Result<Option<User>, String> {
    if req.query_param("deny").is_some() {
        return Err("denied".into());
    }
    let Some(id) = req.query_param("user") else {
        return Ok(None);
    };
    let user = User::new(id).with_claims(json!({ "via": "conformance" }));
    match req.query_param("expires") {
        Some(t) => Ok(Some(user.expires_at(t.parse().map_err(|_| "bad expires")?))),
        None => Ok(Some(user)),
    }
}

struct Hooks;

impl Presence for Hooks {
    fn on_online(user: &str) -> Result<(), Error> {
        store::set_add("online_seen", user)?;
        socket::send(json!({ "presence": "online", "user": user }))
    }

    fn on_offline(user: &str) -> Result<(), Error> {
        store::set_add("offline_seen", user)?;
        Ok(())
    }
}

switchboard_guest::export_presence!(Hooks);
