//! What the chat handlers share: where rooms and presence live in the
//! host's store, and fan-out to any number of users.

use switchboard_guest::{Request, Value, socket, store};

/// Users currently online.
pub const ONLINE: &str = "online";

/// Members of a room.
pub fn room_key(room: &str) -> String {
    format!("room:{room}")
}

/// Rooms a user is in, so that going offline can leave them all.
pub fn rooms_key(user: &str) -> String {
    format!("rooms-of:{user}")
}

/// Sends to every listed user, 100 at a time (the limit of `send-to`).
pub fn send_to_all(users: &[String], message: Value) -> Result<(), String> {
    for batch in users.chunks(socket::MAX_RECIPIENTS) {
        socket::to(batch).send(message.clone()).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Tells everyone online who is online.
pub fn broadcast_online() -> Result<(), String> {
    let online = store::set_members(ONLINE);
    send_to_all(&online, switchboard_guest::json!({ "type": "online", "users": online }))
}

/// The sender's name and the `[room]` param of a request.
pub fn who_and_where(req: &Request) -> Result<(String, String), String> {
    let user = req.user.as_ref().ok_or("sign in first")?.id.clone();
    let room = req.param("room").ok_or("no room")?.to_owned();
    if room.is_empty() || room.len() > 64 {
        return Err("a room name is 1 to 64 characters".into());
    }
    Ok((user, room))
}

/// Removes a user from a room and tells the members who are left.
pub fn leave(user: &str, room: &str) -> Result<(), String> {
    store::set_remove(&room_key(room), user);
    store::set_remove(&rooms_key(user), room);
    let members = store::set_members(&room_key(room));
    send_to_all(
        &members,
        switchboard_guest::json!({ "type": "left", "room": room, "user": user, "members": members }),
    )
}
