//! Calls back into the host: reply, send to users, and ask who is online.
//!
//! ```no_run
//! use switchboard_guest::{json, socket};
//!
//! socket::send(json!({ "ok": true })).unwrap();
//! socket::to(&["alice", "bob"]).send("hello, both").unwrap();
//! let here = socket::is_online("alice");
//! ```

use crate::Message;
use crate::wit::socket as host;
use std::fmt;

/// The most users one `send-to` call may name.
pub const MAX_RECIPIENTS: usize = 100;

/// The host refused to send a message; the text says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError(pub String);

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SendError {}

/// Sends to the current user on every device, or only to the current
/// connection when it is anonymous. JSON values go out as text frames,
/// strings as text frames and byte vectors as binary frames.
pub fn send(message: impl Into<Message>) -> Result<(), SendError> {
    host::send(&message.into().into_wit()).map_err(SendError)
}

/// Names users to send to; see [`Recipients::send`].
pub fn to<S: AsRef<str>>(users: &[S]) -> Recipients {
    Recipients {
        users: users.iter().map(|u| u.as_ref().to_owned()).collect(),
    }
}

/// True while the user has at least one open connection.
pub fn is_online(user: &str) -> bool {
    host::is_online(user)
}

/// Users chosen with [`to`].
#[derive(Debug, Clone)]
pub struct Recipients {
    users: Vec<String>,
}

impl Recipients {
    /// Sends to every open connection of each user. Offline users are
    /// skipped. More than [`MAX_RECIPIENTS`] users is an error, and then
    /// nothing is sent.
    pub fn send(&self, message: impl Into<Message>) -> Result<(), SendError> {
        host::send_to(&self.users, &message.into().into_wit()).map_err(SendError)
    }
}
