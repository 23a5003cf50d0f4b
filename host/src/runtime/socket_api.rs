//! The host side of the `socket` interface: `send`, `send-to` and
//! `is-online`, delivered through the hub.

use super::bindings::socket::Host;
use super::bindings::types::{self, Data, SentMessage};
use super::call::CallState;
use crate::codec;
use crate::hub::ConnectionId;

/// Whom a `send` goes to.
enum Target {
    User(String),
    Connection(ConnectionId),
}

/// The most users one `send-to` call may name.
pub const MAX_RECIPIENTS: usize = 100;

impl types::Host for CallState {}

impl Host for CallState {
    async fn send(&mut self, message: Data) -> wasmtime::Result<Result<(), String>> {
        // A user gets it on every device; an anonymous caller on its
        // connection alone.
        let target = match (&self.scope.user, &self.scope.connection) {
            (Some(user), _) => Target::User(user.clone()),
            (None, Some(connection)) => Target::Connection(connection.clone()),
            (None, None) => {
                return Ok(Err(
                    "send: this call has no connection or user to reply to".into()
                ));
            }
        };
        let recorded = self.scope.record_sent.then(|| message.clone());
        let outbound = match codec::encode(message) {
            Ok(outbound) => outbound,
            Err(err) => return Ok(Err(format!("send: {err}"))),
        };
        if let Err(err) = self.budget.spend(outbound.len()) {
            return Ok(Err(format!("send: {err}")));
        }
        let hub = &self.scope.hub;
        match &target {
            Target::User(user) => {
                hub.send_to_users(std::slice::from_ref(user), outbound)
                    .await;
            }
            Target::Connection(connection) => {
                hub.send_to_connection(connection, outbound).await;
            }
        }
        if let Some(data) = recorded {
            let (connection, user) = match target {
                Target::User(user) => (None, Some(user)),
                Target::Connection(connection) => (Some(connection.to_string()), None),
            };
            self.sent.push(SentMessage {
                connection,
                user,
                data,
            });
        }
        Ok(Ok(()))
    }

    async fn send_to(
        &mut self,
        users: Vec<String>,
        message: Data,
    ) -> wasmtime::Result<Result<(), String>> {
        if users.len() > MAX_RECIPIENTS {
            return Ok(Err(format!(
                "send-to: at most {MAX_RECIPIENTS} users per call, got {}; nothing was sent",
                users.len()
            )));
        }
        let recorded = self.scope.record_sent.then(|| message.clone());
        let outbound = match codec::encode(message) {
            Ok(outbound) => outbound,
            Err(err) => return Ok(Err(format!("send-to: {err}"))),
        };
        if let Err(err) = self.budget.spend(outbound.len()) {
            return Ok(Err(format!("send-to: {err}")));
        }
        self.scope.hub.send_to_users(&users, outbound).await;
        if let Some(data) = recorded {
            for user in users {
                self.sent.push(SentMessage {
                    connection: None,
                    user: Some(user),
                    data: data.clone(),
                });
            }
        }
        Ok(Ok(()))
    }

    async fn is_online(&mut self, user: String) -> wasmtime::Result<bool> {
        Ok(self.scope.hub.is_online(&user).await)
    }
}
