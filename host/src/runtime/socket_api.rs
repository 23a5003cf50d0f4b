//! The host side of the `socket` interface: `send`, `send-to` and
//! `is-online`, delivered through the hub.

use super::bindings::socket::Host;
use super::bindings::types::{self, Data};
use super::call::CallState;
use crate::codec;

/// The most users one `send-to` call may name.
pub const MAX_RECIPIENTS: usize = 100;

impl types::Host for CallState {}

impl Host for CallState {
    async fn send(&mut self, message: Data) -> wasmtime::Result<Result<(), String>> {
        let message = match codec::encode(message) {
            Ok(message) => message,
            Err(err) => return Ok(Err(format!("send: {err}"))),
        };
        let scope = &self.scope;
        match (&scope.user, &scope.connection) {
            (Some(user), _) => {
                scope
                    .hub
                    .send_to_users(std::slice::from_ref(user), message)
                    .await;
            }
            (None, Some(connection)) => {
                scope.hub.send_to_connection(connection, message).await;
            }
            (None, None) => {
                return Ok(Err(
                    "send: this call has no connection or user to reply to".into()
                ));
            }
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
        let message = match codec::encode(message) {
            Ok(message) => message,
            Err(err) => return Ok(Err(format!("send-to: {err}"))),
        };
        self.scope.hub.send_to_users(&users, message).await;
        Ok(Ok(()))
    }

    async fn is_online(&mut self, user: String) -> wasmtime::Result<bool> {
        Ok(self.scope.hub.is_online(&user).await)
    }
}
