//! `{"action": "say", "room": "lobby", "text": "hi"}`: a message to every
//! member of the room, sent with `send-to`.

use chat_common::{room_key, who_and_where};
use switchboard_guest::{Error, Request, handler, json, socket, store};

#[handler]
fn say(req: Request) -> Result<(), Error> {
    let (user, room) = who_and_where(&req)?;
    let text = req.json()["text"]
        .as_str()
        .ok_or("a message needs a text")?;
    if text.is_empty() || text.len() > 2000 {
        return Err("a message is 1 to 2000 characters".into());
    }
    let members = store::set_members(&room_key(&room))?;
    if !members.contains(&user) {
        return Err(format!("join {room} first").into());
    }
    socket::to_each(&members)
        .send(json!({ "type": "message", "room": room, "from": user, "text": text }))
}
