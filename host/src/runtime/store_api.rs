//! The host side of the `store` interface, backed by the app's
//! [`AppStore`](crate::store::AppStore).

use super::bindings::store::Host;
use super::call::CallState;

impl Host for CallState {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.scope.store.get(&key).await)
    }

    async fn set(&mut self, key: String, value: String) -> wasmtime::Result<Result<(), String>> {
        Ok(self
            .scope
            .store
            .set(&key, &value)
            .await
            .map_err(|e| e.to_string()))
    }

    async fn delete(&mut self, key: String) -> wasmtime::Result<bool> {
        Ok(self.scope.store.delete(&key).await)
    }

    async fn set_add(
        &mut self,
        key: String,
        member: String,
    ) -> wasmtime::Result<Result<bool, String>> {
        Ok(self
            .scope
            .store
            .set_add(&key, &member)
            .await
            .map_err(|e| e.to_string()))
    }

    async fn set_remove(&mut self, key: String, member: String) -> wasmtime::Result<bool> {
        Ok(self.scope.store.set_remove(&key, &member).await)
    }

    async fn set_members(&mut self, key: String) -> wasmtime::Result<Vec<String>> {
        Ok(self.scope.store.set_members(&key).await)
    }
}
