//! The host side of the `socket` interface: `send`, `send-to` and
//! `is-online`. A user's messages go through the hub; an anonymous
//! caller's `send` goes straight to its own connection's queue.

use super::bindings::socket::Host;
use super::bindings::types::{self, Data, SentMessage};
use super::call::CallState;
use super::scope::Trigger;
use crate::backend::Outbound;

/// The most users one `send-to` call may name.
pub const MAX_RECIPIENTS: usize = 100;

type Answer<T> = wasmtime::Result<Result<T, String>>;

/// Why a message from a component cannot be sent.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("json data is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// A component's message as a frame: JSON and text become text frames,
/// binary a binary frame. JSON is checked, so clients only get valid JSON.
pub fn encode(data: Data) -> Result<Outbound, EncodeError> {
    Ok(match data {
        Data::Json(text) => {
            serde_json::from_str::<serde::de::IgnoredAny>(&text)?;
            Outbound::Text(text.into())
        }
        Data::Text(text) => Outbound::Text(text.into()),
        Data::Binary(bytes) => Outbound::Binary(bytes.into()),
    })
}

impl types::Host for CallState {}

impl CallState {
    /// Encodes a message and takes it from the call's send budget. Keeps a
    /// copy only when `on-messages-sent` hooks will want it.
    fn outbound(&mut self, what: &str, message: Data) -> Result<(Outbound, Option<Data>), String> {
        let kept = self.scope.record_sent.then(|| message.clone());
        let outbound = encode(message).map_err(|err| format!("{what}: {err}"))?;
        self.budget
            .spend(outbound.len())
            .map_err(|err| format!("{what}: {err}"))?;
        Ok((outbound, kept))
    }
}

impl Host for CallState {
    async fn send(&mut self, message: Data) -> Answer<()> {
        let (outbound, kept) = match self.outbound("send", message) {
            Ok(encoded) => encoded,
            Err(err) => return Ok(Err(err)),
        };
        // A user gets it on every device; an anonymous caller on its
        // connection alone, straight to its queue.
        let (source, binary) = (self.scope.trigger.source(), is_binary(&outbound));
        let (connection, user) = if let Some(user) = &self.scope.user {
            let users = std::slice::from_ref(user);
            match self.scope.hub.send_to_users(users, outbound).await {
                Ok(reached) => self.metrics.sent(source, binary, reached),
                Err(err) => return Ok(Err(format!("send: {err}"))),
            }
            (None, Some(user))
        } else if let Some(connection) = self.scope.connection_id() {
            let queued = self.scope.reply(outbound);
            self.metrics.sent(source, binary, usize::from(queued));
            (Some(connection), None)
        } else {
            return Ok(Err(match self.scope.trigger {
                Trigger::Http => "send: this HTTP request has no authenticated user to send to; \
                    authenticate it, or name users with send-to"
                    .into(),
                Trigger::Socket => "send: this call has no connection or user to reply to".into(),
                Trigger::Job => {
                    "send: this job was pushed by no user, so it has no one to send to; \
                    name users with send-to"
                        .into()
                }
                Trigger::Schedule => {
                    "send: a schedule acts for no user; name users with send-to".into()
                }
                Trigger::Hook => "send: this hook acts for no user; name users with send-to".into(),
            }));
        };
        if let Some(data) = kept {
            let sent = SentMessage {
                connection: connection.map(|id| id.to_string()),
                user: user.cloned(),
                data,
            };
            self.sent.push(sent);
        }
        Ok(Ok(()))
    }

    async fn send_to(&mut self, users: Vec<String>, message: Data) -> Answer<()> {
        if users.len() > MAX_RECIPIENTS {
            return Ok(Err(format!(
                "send-to: at most {MAX_RECIPIENTS} users per call, got {}; nothing was sent",
                users.len()
            )));
        }
        let (outbound, kept) = match self.outbound("send-to", message) {
            Ok(encoded) => encoded,
            Err(err) => return Ok(Err(err)),
        };
        let (source, binary) = (self.scope.trigger.source(), is_binary(&outbound));
        match self.scope.hub.send_to_users(&users, outbound).await {
            Ok(reached) => self.metrics.sent(source, binary, reached),
            Err(err) => return Ok(Err(format!("send-to: {err}"))),
        }
        if let Some(data) = kept {
            self.sent.extend(users.into_iter().map(|user| SentMessage {
                connection: None,
                user: Some(user),
                data: data.clone(),
            }));
        }
        Ok(Ok(()))
    }

    async fn is_online(&mut self, user: String) -> Answer<bool> {
        Ok(self
            .scope
            .hub
            .is_online(&user)
            .await
            .map_err(|err| format!("is-online: {err}")))
    }
}

fn is_binary(message: &Outbound) -> bool {
    matches!(message, Outbound::Binary(_))
}
