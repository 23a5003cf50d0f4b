//! The host side of the `context` interface: whom the call acts for and
//! its route's params, and a job's attempt, from the call scope.

use super::bindings::context::Host;
use super::bindings::types::User;
use super::call::CallState;

impl Host for CallState {
    async fn user(&mut self) -> wasmtime::Result<Option<User>> {
        Ok(self.scope.caller.as_deref().cloned())
    }

    async fn params(&mut self) -> wasmtime::Result<Vec<(String, String)>> {
        Ok(self.scope.params.clone())
    }

    async fn attempt(&mut self) -> wasmtime::Result<Option<u32>> {
        Ok(self.scope.attempt)
    }
}
