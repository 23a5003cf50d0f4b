//! The host side of the `queue` interface: `push`, on behalf of the user
//! the call acts for.

use super::bindings::queue::{Host, PushOptions};
use super::call::CallState;
use crate::backend::jobs::{self, JobUser};
use std::time::Duration;

impl Host for CallState {
    async fn push(
        &mut self,
        queue: String,
        payload: String,
        options: PushOptions,
    ) -> wasmtime::Result<Result<String, String>> {
        let Some(queues) = &self.scope.queues else {
            return Ok(Err("push: this call cannot queue jobs".into()));
        };
        let user = self.scope.caller.as_deref().map(|user| JobUser {
            id: user.id.clone(),
            claims: user.claims.clone(),
        });
        let options = jobs::PushOptions {
            delay: options.delay_ms.map(Duration::from_millis),
            idempotency_key: options.idempotency_key,
        };
        let pushed = queues.push(&queue, payload, user, options).await;
        Ok(pushed
            .map(|pushed| pushed.id().to_owned())
            .map_err(|err| format!("push: {err}")))
    }
}
