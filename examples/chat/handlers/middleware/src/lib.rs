//! Who is who, and who is online.
//!
//! People sign in with the name they pick (`?name=ann` on the socket URL,
//! or a `name` cookie). A sign-in lasts an hour, or `?session=SECONDS`
//! if shorter; then the server closes the socket with 4001 and the page
//! signs in again. Presence hooks keep the online set in the store
//! and tell everyone online when it changes; going offline also leaves
//! every room.

use chat_common::{ONLINE, broadcast_online, leave, rooms_key};
use std::time::{SystemTime, UNIX_EPOCH};
use switchboard_guest::{Error, HttpRequest, Presence, User, authenticate, store};

/// The longest sign-in, in seconds.
const SESSION_SECONDS: u64 = 3600;

#[authenticate]
fn sign_in(req: HttpRequest) -> Result<Option<User>, Error> {
    let name = req
        .query_param("name")
        .or_else(|| req.cookie("name"))
        .ok_or("pick a name: connect to /socket?name=YOUR_NAME")?;
    let valid = !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err("a name is 1 to 32 letters, digits, '-' or '_'".into());
    }
    let session = req
        .query_param("session")
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| (1..=SESSION_SECONDS).contains(s))
        .unwrap_or(SESSION_SECONDS);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    Ok(Some(User::new(name).expires_at(now + session)))
}

struct Hooks;

impl Presence for Hooks {
    fn on_online(user: &str) -> Result<(), Error> {
        store::set_add(ONLINE, user)?;
        broadcast_online()
    }

    fn on_offline(user: &str) -> Result<(), Error> {
        store::set_remove(ONLINE, user)?;
        for room in store::set_members(&rooms_key(user))? {
            leave(user, &room)?;
        }
        broadcast_online()
    }
}

switchboard_guest::export_presence!(Hooks);
