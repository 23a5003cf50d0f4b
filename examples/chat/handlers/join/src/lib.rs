//! `{"action": "join", "room": "lobby"}`: join a room and tell its members.

use chat_common::{room_key, rooms_key, who_and_where};
use switchboard_guest::{Error, Request, handler, json, socket, store};

#[handler]
fn join(req: Request) -> Result<(), Error> {
    let (user, room) = who_and_where(&req)?;
    store::set_add(&room_key(&room), &user)?;
    store::set_add(&rooms_key(&user), &room)?;
    let members = store::set_members(&room_key(&room))?;
    socket::to_each(&members)
        .send(json!({ "type": "joined", "room": room, "user": user, "members": members }))
}
