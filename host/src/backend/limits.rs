//! The store's limits, enforced once above the [`AppStore`] trait so that
//! every backend refuses the same writes with the same errors.
//!
//! Writes are checked and applied one at a time (reads go straight
//! through), so on one node the totals are exact. Several nodes sharing a
//! backend each serialize their own writes only, so together they may
//! pass the byte cap by what their concurrent writes add.

use super::{AppStore, EntrySize, StoreError, Usage};
use std::sync::Arc;

/// The store's caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    /// Longest key, in bytes.
    pub max_key: usize,
    /// Longest value or set member, in bytes.
    pub max_value: usize,
    /// Most keys, values and sets together.
    pub max_keys: usize,
    /// Most members of one set.
    pub max_members: usize,
    /// Most bytes of keys, values and members, over the whole store.
    pub max_bytes: u64,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            max_key: 256,
            max_value: 64 << 10,
            max_keys: 100_000,
            max_members: 100_000,
            max_bytes: 64 << 20,
        }
    }
}

/// A backend behind the limits. Cloned into every call's scope.
#[derive(Clone)]
pub struct LimitedStore {
    backend: Arc<dyn AppStore>,
    limits: StoreLimits,
    /// Serializes writes, so that a check and its write see the same
    /// totals.
    writes: Arc<tokio::sync::Mutex<()>>,
}

impl LimitedStore {
    pub fn new(backend: Arc<dyn AppStore>, limits: StoreLimits) -> Self {
        LimitedStore {
            backend,
            limits,
            writes: Arc::default(),
        }
    }

    pub fn limits(&self) -> &StoreLimits {
        &self.limits
    }

    /// What the whole store holds now.
    pub async fn usage(&self) -> Result<Usage, super::BackendError> {
        self.backend.usage().await
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.check_key(key)?;
        Ok(self.backend.get(key).await?)
    }

    pub async fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.check_key(key)?;
        self.check_value(value)?;
        let _write = self.writes.lock().await;
        let (old, usage) = self.sizes_before_adding(key).await?;
        let new = (key.len() + value.len()) as u64;
        self.check_bytes(usage.bytes - old.bytes + new)?;
        self.backend.set(key, value).await
    }

    pub async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        self.check_key(key)?;
        let _write = self.writes.lock().await;
        Ok(self.backend.delete(key).await?)
    }

    pub async fn set_add(&self, key: &str, member: &str) -> Result<bool, StoreError> {
        self.check_key(key)?;
        self.check_value(member)?;
        let _write = self.writes.lock().await;
        let (old, usage) = self.sizes_before_adding(key).await?;
        if old.members >= self.limits.max_members as u64 {
            // Adding a member already there changes nothing and is fine.
            let present = self.backend.set_members(key).await?;
            if present.iter().any(|m| m == member) {
                return Ok(false);
            }
            return Err(StoreError::SetFull(self.limits.max_members));
        }
        let key_bytes = if old.exists { 0 } else { key.len() as u64 };
        self.check_bytes(usage.bytes + key_bytes + member.len() as u64)?;
        self.backend.set_add(key, member).await
    }

    pub async fn set_remove(&self, key: &str, member: &str) -> Result<bool, StoreError> {
        self.check_key(key)?;
        let _write = self.writes.lock().await;
        Ok(self.backend.set_remove(key, member).await?)
    }

    pub async fn set_members(&self, key: &str) -> Result<Vec<String>, StoreError> {
        self.check_key(key)?;
        Ok(self.backend.set_members(key).await?)
    }

    /// The entry at `key` and the store's totals, for a write that may add
    /// `key`; refused if a new key would pass the key cap. Called with the
    /// write lock held.
    async fn sizes_before_adding(&self, key: &str) -> Result<(EntrySize, Usage), StoreError> {
        let old = self.backend.entry_size(key).await?;
        let usage = self.backend.usage().await?;
        if !old.exists && usage.keys >= self.limits.max_keys as u64 {
            return Err(StoreError::Full(self.limits.max_keys));
        }
        Ok((old, usage))
    }

    fn check_key(&self, key: &str) -> Result<(), StoreError> {
        match key.len() > self.limits.max_key {
            true => Err(StoreError::KeyTooLong(self.limits.max_key)),
            false => Ok(()),
        }
    }

    fn check_value(&self, value: &str) -> Result<(), StoreError> {
        match value.len() > self.limits.max_value {
            true => Err(StoreError::ValueTooLong(self.limits.max_value)),
            false => Ok(()),
        }
    }

    fn check_bytes(&self, total: u64) -> Result<(), StoreError> {
        match total > self.limits.max_bytes {
            true => Err(StoreError::TooManyBytes(self.limits.max_bytes)),
            false => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::local::MemoryStore;

    fn store(limits: StoreLimits) -> LimitedStore {
        LimitedStore::new(Arc::new(MemoryStore::new()), limits)
    }

    #[tokio::test]
    async fn every_function_refuses_a_long_key() {
        let store = store(StoreLimits::default());
        let key = "k".repeat(257);
        let refused = Err(StoreError::KeyTooLong(256));
        assert_eq!(store.get(&key).await, refused);
        assert_eq!(store.set(&key, "v").await, Err(StoreError::KeyTooLong(256)));
        assert_eq!(store.delete(&key).await, Err(StoreError::KeyTooLong(256)));
        assert_eq!(
            store.set_members(&key).await,
            Err(StoreError::KeyTooLong(256))
        );
    }

    #[tokio::test]
    async fn the_byte_cap_refuses_growth_and_keeps_what_is_stored() {
        let store = store(StoreLimits {
            max_bytes: 100,
            ..StoreLimits::default()
        });
        store.set("a", &"x".repeat(60)).await.unwrap();
        assert_eq!(
            store.set("b", &"y".repeat(60)).await,
            Err(StoreError::TooManyBytes(100))
        );
        assert_eq!(store.get("a").await.unwrap().unwrap().len(), 60);
        // Replacing a value counts the difference only.
        store.set("a", &"z".repeat(98)).await.unwrap();
        assert_eq!(
            store.set_add("s", "m").await,
            Err(StoreError::TooManyBytes(100))
        );
        store.delete("a").await.unwrap();
        assert!(store.set_add("s", "m").await.unwrap());
    }

    #[tokio::test]
    async fn keys_and_members_are_capped() {
        let store = store(StoreLimits {
            max_keys: 1,
            max_members: 2,
            ..StoreLimits::default()
        });
        assert!(store.set_add("s", "1").await.unwrap());
        assert!(store.set_add("s", "2").await.unwrap());
        assert!(!store.set_add("s", "2").await.unwrap());
        assert_eq!(store.set_add("s", "3").await, Err(StoreError::SetFull(2)));
        assert_eq!(store.set("other", "v").await, Err(StoreError::Full(1)));
    }
}
