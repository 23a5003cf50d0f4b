//! Who is who, and who is online.
//!
//! A user is named by `?user=NAME` on the URL, or by an `x-user` header.
//! This one `authenticate` export runs for socket upgrades and for `api/`
//! requests alike, so `context::user()` in `api/tasks` is the same user
//! whose sockets the job's progress reaches. Without a name the caller is
//! anonymous (the api handler answers 401 then); a name that is not
//! allowed is refused.
//!
//! Not real sign-in: anyone may claim any name. Put a session cookie or
//! the built-in JWT check here in an app of your own.
//!
//! The presence hooks keep the set of online users in the store, which is
//! how the heartbeat schedule knows whom to tell.

use switchboard_guest::{Error, HttpRequest, Presence, User, authenticate, store};

/// The store set of users online; `schedules/heartbeat` reads it.
const ONLINE: &str = "online";

#[authenticate]
fn who(req: HttpRequest) -> Result<Option<User>, Error> {
    let Some(name) = req.query_param("user").or_else(|| req.header("x-user")) else {
        return Ok(None);
    };
    let valid = !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err("a user name is 1 to 32 letters, digits, '-' or '_'".into());
    }
    Ok(Some(User::new(name)))
}

struct Hooks;

impl Presence for Hooks {
    fn on_online(user: &str) -> Result<(), Error> {
        store::set_add(ONLINE, user)?;
        Ok(())
    }

    fn on_offline(user: &str) -> Result<(), Error> {
        store::set_remove(ONLINE, user)?;
        Ok(())
    }
}

switchboard_guest::export_presence!(Hooks);
