//! What nodes tell each other on their pub/sub channels: a message for
//! some users' connections there, or for one connection, a request to
//! close connections, and a node's probe of its own subscription. Encoded
//! once per fan-out and receiving node, in a small binary form (the
//! payload is carried as it is, not re-encoded).

use crate::backend::Outbound;
use bytes::Bytes;

/// One message on a node's channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// Deliver to every connection on the receiving node of these users.
    Users(Vec<String>, Outbound),
    /// Deliver to this connection.
    Connection(String, Outbound),
    /// Close every connection of this user there.
    DisconnectUser(String, u16, String),
    /// Close this connection.
    DisconnectConnection(String, u16, String),
    /// A node's probe of its own subscription.
    Probe(u64),
}

const USERS: u8 = 1;
const CONNECTION: u8 = 2;
const DISCONNECT_USER: u8 = 3;
const DISCONNECT_CONNECTION: u8 = 4;
const PROBE: u8 = 5;

impl Note {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        match self {
            Note::Users(users, message) => {
                out.push(USERS);
                out.extend((users.len() as u16).to_be_bytes());
                for user in users {
                    put_str(&mut out, user);
                }
                put_message(&mut out, message);
            }
            Note::Connection(id, message) => {
                out.push(CONNECTION);
                put_str(&mut out, id);
                put_message(&mut out, message);
            }
            Note::DisconnectUser(target, code, reason)
            | Note::DisconnectConnection(target, code, reason) => {
                let kind = match self {
                    Note::DisconnectUser(..) => DISCONNECT_USER,
                    _ => DISCONNECT_CONNECTION,
                };
                out.push(kind);
                put_str(&mut out, target);
                out.extend(code.to_be_bytes());
                out.extend(reason.as_bytes());
            }
            Note::Probe(seq) => {
                out.push(PROBE);
                out.extend(seq.to_be_bytes());
            }
        }
        out
    }

    /// `None` for bytes no node wrote.
    pub fn decode(bytes: &[u8]) -> Option<Note> {
        let (&kind, mut rest) = bytes.split_first()?;
        Some(match kind {
            USERS => {
                let count = u16::from_be_bytes(take(&mut rest, 2)?.try_into().ok()?);
                let users = (0..count)
                    .map(|_| get_str(&mut rest))
                    .collect::<Option<Vec<_>>>()?;
                Note::Users(users, get_message(rest)?)
            }
            CONNECTION => {
                let id = get_str(&mut rest)?;
                Note::Connection(id, get_message(rest)?)
            }
            DISCONNECT_USER | DISCONNECT_CONNECTION => {
                let target = get_str(&mut rest)?;
                let code = u16::from_be_bytes(take(&mut rest, 2)?.try_into().ok()?);
                let reason = String::from_utf8(rest.to_vec()).ok()?;
                match kind {
                    DISCONNECT_USER => Note::DisconnectUser(target, code, reason),
                    _ => Note::DisconnectConnection(target, code, reason),
                }
            }
            PROBE => Note::Probe(u64::from_be_bytes(rest.try_into().ok()?)),
            _ => return None,
        })
    }
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    out.extend((text.len() as u16).to_be_bytes());
    out.extend(text.as_bytes());
}

fn put_message(out: &mut Vec<u8>, message: &Outbound) {
    match message {
        Outbound::Text(text) => {
            out.push(0);
            out.extend(text.as_bytes());
        }
        Outbound::Binary(bytes) => {
            out.push(1);
            out.extend(bytes.iter());
        }
    }
}

fn take<'a>(rest: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if rest.len() < n {
        return None;
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Some(head)
}

fn get_str(rest: &mut &[u8]) -> Option<String> {
    let len = u16::from_be_bytes(take(rest, 2)?.try_into().ok()?) as usize;
    String::from_utf8(take(rest, len)?.to_vec()).ok()
}

fn get_message(rest: &[u8]) -> Option<Outbound> {
    let (&kind, payload) = rest.split_first()?;
    match kind {
        0 => Some(Outbound::Text(
            String::from_utf8(payload.to_vec()).ok()?.into(),
        )),
        1 => Some(Outbound::Binary(Bytes::copy_from_slice(payload))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_note_survives_the_trip() {
        let notes = [
            Note::Users(
                vec!["ann".into(), "bob".into()],
                Outbound::Text("{\"hi\":1}".into()),
            ),
            Note::Connection("node-c1".into(), Outbound::Binary(vec![0, 255, 7].into())),
            Note::DisconnectUser("ann".into(), 4000, "maintenance".into()),
            Note::DisconnectConnection("node-c2".into(), 1000, String::new()),
            Note::Probe(42),
        ];
        for note in notes {
            assert_eq!(Note::decode(&note.encode()), Some(note));
        }
        assert_eq!(Note::decode(&[9, 1, 2]), None);
        assert_eq!(Note::decode(&[USERS, 0, 5, 0, 1]), None);
    }
}
