//! Calls back into the host: reply, send to users, and ask who is online.
//!
//! ```no_run
//! use switchboard_guest::{Error, json, socket};
//!
//! fn greet(everyone: &[String]) -> Result<(), Error> {
//!     socket::send(json!({ "ok": true }))?;
//!     if socket::is_online("alice")? {
//!         socket::to(&["alice", "bob"]).send("hello, both")?;
//!     }
//!     socket::to_each(everyone).send("hello, everyone")?;
//!     Ok(())
//! }
//! ```

use crate::wit::socket as host;
use crate::{Error, Message};

/// The most users one `send-to` call, and so [`to`], may name.
pub const MAX_RECIPIENTS: usize = 100;

/// The error type of this module's functions, which is the SDK's one.
#[deprecated(note = "use `switchboard_guest::Error`")]
pub type SendError = Error;

/// Sends to the current user on every device, or only to the current
/// connection when it is anonymous. JSON values go out as text frames,
/// strings as text frames and byte vectors as binary frames.
pub fn send(message: impl Into<Message>) -> Result<(), Error> {
    host::send(&message.into().into_wit()).map_err(Error::from)
}

/// Names at most [`MAX_RECIPIENTS`] users to send to, in one `send-to`
/// call; see [`Recipients::send`]. For more users, use [`to_each`].
pub fn to<S: AsRef<str>>(users: &[S]) -> Recipients {
    Recipients {
        users: owned(users),
        batched: false,
    }
}

/// Names any number of users to send to, in batches: [`Recipients::send`]
/// makes one `send-to` call per [`MAX_RECIPIENTS`] (100) users, in order.
/// Each batch counts as one message against the call's send limits. When
/// a batch fails, the batches before it have been sent and the later ones
/// are not tried.
pub fn to_each<S: AsRef<str>>(users: &[S]) -> Recipients {
    Recipients {
        users: owned(users),
        batched: true,
    }
}

/// True while the user has at least one open connection. An error means
/// the host could not find out.
pub fn is_online(user: &str) -> Result<bool, Error> {
    host::is_online(user).map_err(Error::from)
}

/// Users chosen with [`to`] or [`to_each`].
#[derive(Debug, Clone)]
pub struct Recipients {
    users: Vec<String>,
    batched: bool,
}

impl Recipients {
    /// Sends to every open connection of each user. Offline users are
    /// skipped. Chosen with [`to`], more than [`MAX_RECIPIENTS`] users is
    /// an error and then nothing is sent; chosen with [`to_each`], the
    /// users go in batches of at most [`MAX_RECIPIENTS`].
    pub fn send(&self, message: impl Into<Message>) -> Result<(), Error> {
        let message = message.into().into_wit();
        let batch = if self.batched {
            MAX_RECIPIENTS
        } else {
            self.users.len()
        };
        in_batches(&self.users, batch, |users| host::send_to(users, &message))
    }
}

fn owned<S: AsRef<str>>(users: &[S]) -> Vec<String> {
    users.iter().map(|u| u.as_ref().to_owned()).collect()
}

/// Calls `send` on consecutive slices of at most `size` users (one call,
/// even with no users, when `size` covers them all), stopping at the
/// first error.
fn in_batches(
    users: &[String],
    size: usize,
    mut send: impl FnMut(&[String]) -> Result<(), String>,
) -> Result<(), Error> {
    if users.len() <= size {
        return send(users).map_err(Error::from);
    }
    for batch in users.chunks(size) {
        send(batch)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{MAX_RECIPIENTS, in_batches};

    fn users(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i}")).collect()
    }

    #[test]
    fn batches_hold_at_most_the_limit_in_order() {
        let all = users(250);
        let mut seen = Vec::new();
        in_batches(&all, MAX_RECIPIENTS, |batch| {
            seen.push(batch.to_vec());
            Ok(())
        })
        .unwrap();
        let sizes: Vec<usize> = seen.iter().map(Vec::len).collect();
        assert_eq!(sizes, [100, 100, 50]);
        assert_eq!(seen.concat(), all);
    }

    #[test]
    fn one_call_when_everyone_fits() {
        for n in [0, 1, 100] {
            let mut calls = 0;
            in_batches(&users(n), MAX_RECIPIENTS, |_| {
                calls += 1;
                Ok(())
            })
            .unwrap();
            assert_eq!(calls, 1, "{n} users");
        }
    }

    #[test]
    fn unbatched_sends_everyone_at_once() {
        let all = users(150);
        let mut sizes = Vec::new();
        in_batches(&all, all.len(), |batch| {
            sizes.push(batch.len());
            Err("send-to: at most 100 users per call".into())
        })
        .unwrap_err();
        assert_eq!(sizes, [150]);
    }

    #[test]
    fn the_first_failed_batch_stops_the_rest() {
        let mut calls = 0;
        let err = in_batches(&users(350), MAX_RECIPIENTS, |_| {
            calls += 1;
            if calls == 2 {
                Err("full".into())
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert_eq!(err, "full");
        assert_eq!(calls, 2);
    }
}
