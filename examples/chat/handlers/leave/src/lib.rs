//! `{"action": "leave", "room": "lobby"}`: leave a room.

use chat_common::{leave, who_and_where};
use switchboard_guest::{Error, Request, handler, json, socket};

#[handler]
fn leave_room(req: Request) -> Result<(), Error> {
    let (user, room) = who_and_where(&req)?;
    leave(&user, &room)?;
    socket::send(json!({ "type": "left", "room": room, "user": user }))
}
