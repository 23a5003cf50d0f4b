const ROUTE: &str = "index";

include!("../../../common/probe.rs");

use switchboard_guest::{HttpRequest, Presence, User, authenticate};

/// Users by the `x-user` header or `?user=`; anonymous otherwise.
#[authenticate]
fn who(req: HttpRequest) -> Result<Option<User>, String> {
    Ok(req
        .header("x-user")
        .or(req.query_param("user"))
        .map(User::new))
}

struct Hooks;

/// Reports each transition to "observer" with what `is-online` says at
/// that moment, and welcomes the user. Users named `fail…` make the hook
/// fail.
impl Presence for Hooks {
    fn on_online(user: &str) -> Result<(), Error> {
        report(user, "online")?;
        socket::send(json!({ "welcome": user }))
    }

    fn on_offline(user: &str) -> Result<(), Error> {
        report(user, "offline")
    }
}

fn report(user: &str, event: &str) -> Result<(), Error> {
    let online = socket::is_online(user)?;
    socket::to(&["observer"])
        .send(json!({ "presence": event, "user": user, "isOnline": online }))?;
    if user.starts_with("fail") {
        return Err(format!("presence hook refused {user}").into());
    }
    Ok(())
}

switchboard_guest::export_presence!(Hooks);
