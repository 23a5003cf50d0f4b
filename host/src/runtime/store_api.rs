//! The host side of the `store` interface: the call scope's
//! [`LimitedStore`](crate::backend::limits::LimitedStore), with every
//! refusal or backend failure returned to the guest as an error.

use super::bindings::store::Host;
use super::call::CallState;
use crate::backend::StoreError;

type Answer<T> = wasmtime::Result<Result<T, String>>;

fn answer<T>(result: Result<T, StoreError>) -> Answer<T> {
    Ok(result.map_err(|err| err.to_string()))
}

impl Host for CallState {
    async fn get(&mut self, key: String) -> Answer<Option<String>> {
        answer(self.scope.store.get(&key).await)
    }

    async fn set(&mut self, key: String, value: String) -> Answer<()> {
        answer(self.scope.store.set(&key, &value).await)
    }

    async fn delete(&mut self, key: String) -> Answer<bool> {
        answer(self.scope.store.delete(&key).await)
    }

    async fn set_add(&mut self, key: String, member: String) -> Answer<bool> {
        answer(self.scope.store.set_add(&key, &member).await)
    }

    async fn set_remove(&mut self, key: String, member: String) -> Answer<bool> {
        answer(self.scope.store.set_remove(&key, &member).await)
    }

    async fn set_members(&mut self, key: String) -> Answer<Vec<String>> {
        answer(self.scope.store.set_members(&key).await)
    }
}
