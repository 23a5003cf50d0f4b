//! What the chat handlers share: where rooms and presence live in the
//! host's store. Rooms and the online list can hold any number of users;
//! `socket::to_each` sends to them in batches within `send-to`'s limit.

use switchboard_guest::{Error, Request, json, socket, store};

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

/// Tells everyone online who is online.
pub fn broadcast_online() -> Result<(), Error> {
    let online = store::set_members(ONLINE)?;
    socket::to_each(&online).send(json!({ "type": "online", "users": online }))
}

/// The sender's name and the `[room]` param of a request.
pub fn who_and_where(req: &Request) -> Result<(String, String), Error> {
    let user = req.user.as_ref().ok_or("sign in first")?.id.clone();
    let room = req.param("room").ok_or("no room")?.to_owned();
    if room.is_empty() || room.len() > 64 {
        return Err("a room name is 1 to 64 characters".into());
    }
    Ok((user, room))
}

/// Removes a user from a room and tells the members who are left.
pub fn leave(user: &str, room: &str) -> Result<(), Error> {
    store::set_remove(&room_key(room), user)?;
    store::set_remove(&rooms_key(user), room)?;
    let members = store::set_members(&room_key(room))?;
    socket::to_each(&members)
        .send(json!({ "type": "left", "room": room, "user": user, "members": members }))
}
