//! `{"action": "whisper", "to": "bob", "text": "hi"}`: routed here by the
//! `[to]` folder and the `action_whisper` file. Delivers to every device
//! of `to`, and confirms on every device of the sender.

use switchboard_guest::{Error, Request, handler, json, socket};

#[handler(timeout = 2)]
fn whisper(req: Request) -> Result<(), Error> {
    let me = req.user.as_ref().ok_or("sign in with ?name= to whisper")?;
    let to = req.param("to").ok_or("no recipient")?;
    let text = req.json()["text"]
        .as_str()
        .ok_or("a whisper needs a text")?;
    if !socket::is_online(to)? {
        return Err(format!("{to} is not online").into());
    }
    socket::to(&[to]).send(json!({ "from": me.id, "text": text }))?;
    socket::send(json!({ "sent": to, "text": text }))
}
