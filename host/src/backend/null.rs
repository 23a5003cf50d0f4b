//! Backends for calls that must reach nothing: the load-time `config` and
//! `hooks` calls, and tools such as `switchboard check`. Delivery reaches
//! no one, nobody is online, and the store refuses to be used.

use super::{
    AppStore, BackendError, ConnectionId, ConnectionInfo, EntrySize, Hub, Outbound, Peer,
    PresenceEvents, StoreError, Target, Usage,
};
use async_trait::async_trait;

/// A hub with no connections.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullHub;

#[async_trait]
impl Hub for NullHub {
    async fn join(&self, _peer: Peer) -> Result<(), BackendError> {
        Ok(())
    }

    async fn leave(&self, _id: &ConnectionId) -> Result<(), BackendError> {
        Ok(())
    }

    async fn send_to_connection(
        &self,
        _id: &ConnectionId,
        _message: Outbound,
    ) -> Result<bool, BackendError> {
        Ok(false)
    }

    async fn send_to_users(
        &self,
        _users: &[String],
        _message: Outbound,
    ) -> Result<usize, BackendError> {
        Ok(0)
    }

    async fn is_online(&self, _user: &str) -> Result<bool, BackendError> {
        Ok(false)
    }

    async fn users(
        &self,
        _after: Option<&str>,
        _limit: usize,
    ) -> Result<Vec<(String, usize)>, BackendError> {
        Ok(Vec::new())
    }

    async fn connections(&self, _user: &str) -> Result<Vec<ConnectionInfo>, BackendError> {
        Ok(Vec::new())
    }

    async fn disconnect(
        &self,
        _target: Target<'_>,
        _code: u16,
        _reason: &str,
    ) -> Result<usize, BackendError> {
        Ok(0)
    }

    fn presence_events(&self) -> Option<PresenceEvents> {
        None
    }
}

/// A store that refuses every call.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullStore;

fn detached() -> BackendError {
    BackendError("the store is not available while a component loads".into())
}

#[async_trait]
impl AppStore for NullStore {
    async fn get(&self, _key: &str) -> Result<Option<String>, BackendError> {
        Err(detached())
    }

    async fn set(&self, _key: &str, _value: &str) -> Result<(), StoreError> {
        Err(detached().into())
    }

    async fn delete(&self, _key: &str) -> Result<bool, BackendError> {
        Err(detached())
    }

    async fn set_add(&self, _key: &str, _member: &str) -> Result<bool, StoreError> {
        Err(detached().into())
    }

    async fn set_remove(&self, _key: &str, _member: &str) -> Result<bool, BackendError> {
        Err(detached())
    }

    async fn set_members(&self, _key: &str) -> Result<Vec<String>, BackendError> {
        Err(detached())
    }

    async fn entry_size(&self, _key: &str) -> Result<EntrySize, BackendError> {
        Err(detached())
    }

    async fn usage(&self) -> Result<Usage, BackendError> {
        Err(detached())
    }
}
