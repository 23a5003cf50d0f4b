//! The well-behaved route: echoes `n` back. Also authenticates (the user
//! `hang` makes authenticate spin forever) and has presence hooks (the
//! user `trap` makes on-online trap).

use switchboard_guest::{
    Error, HttpRequest, Presence, Request, User, authenticate, handler, json, socket,
};

#[handler]
fn echo(req: Request) -> Result<(), Error> {
    socket::send(json!({ "n": req.json()["n"] }))
}

#[authenticate]
fn who(req: HttpRequest) -> Result<Option<User>, String> {
    match req.query_param("user") {
        Some("hang") => loop {
            std::hint::black_box(());
        },
        Some(user) => Ok(Some(User::new(user))),
        None => Ok(None),
    }
}

struct Hooks;

impl Presence for Hooks {
    fn on_online(user: &str) -> Result<(), Error> {
        if user == "trap" {
            unreachable!("presence hook trapped on purpose");
        }
        Ok(())
    }

    fn on_offline(_user: &str) -> Result<(), Error> {
        Ok(())
    }
}

switchboard_guest::export_presence!(Hooks);
