//! `{"action": "leave", "room": "lobby"}`: leave a room.

use chat_common::{leave, who_and_where};
use switchboard_guest::{Request, handler, json, socket};

#[handler]
fn leave_room(req: Request) -> Result<(), String> {
    let (user, room) = who_and_where(&req)?;
    leave(&user, &room)?;
    socket::send(json!({ "type": "left", "room": room, "user": user })).map_err(|e| e.to_string())
}
