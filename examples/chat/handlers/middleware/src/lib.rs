//! Who is who, and who is online.
//!
//! People sign in with the name they pick (`?name=ann` on the socket URL,
//! or a `name` cookie). Presence hooks keep the online set in the store
//! and tell everyone online when it changes; going offline also leaves
//! every room.

use chat_common::{ONLINE, broadcast_online, leave, rooms_key};
use switchboard_guest::{HttpRequest, Presence, User, authenticate, store};

#[authenticate]
fn sign_in(req: HttpRequest) -> Result<Option<User>, String> {
    let name = req
        .query_param("name")
        .or_else(|| req.cookie("name"))
        .ok_or("pick a name: connect to /socket?name=YOUR_NAME")?;
    let valid = !name.is_empty()
        && name.len() <= 32
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err("a name is 1 to 32 letters, digits, '-' or '_'".into());
    }
    Ok(Some(User::new(name)))
}

struct Hooks;

impl Presence for Hooks {
    fn on_online(user: &str) -> Result<(), String> {
        store::set_add(ONLINE, user)?;
        broadcast_online()
    }

    fn on_offline(user: &str) -> Result<(), String> {
        store::set_remove(ONLINE, user);
        for room in store::set_members(&rooms_key(user)) {
            leave(user, &room)?;
        }
        broadcast_online()
    }
}

switchboard_guest::export_presence!(Hooks);
