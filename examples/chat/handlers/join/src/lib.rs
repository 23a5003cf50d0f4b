//! `{"action": "join", "room": "lobby"}`: join a room and tell its members.

use chat_common::{room_key, rooms_key, send_to_all, who_and_where};
use switchboard_guest::{Request, handler, json, store};

#[handler]
fn join(req: Request) -> Result<(), String> {
    let (user, room) = who_and_where(&req)?;
    store::set_add(&room_key(&room), &user)?;
    store::set_add(&rooms_key(&user), &room)?;
    let members = store::set_members(&room_key(&room));
    send_to_all(&members, json!({ "type": "joined", "room": room, "user": user, "members": members }))
}
