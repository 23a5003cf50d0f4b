//! Small shared state that components keep through the `store` import:
//! string values and string sets.
//!
//! Components see only the [`AppStore`] trait, so a multi-node store (for
//! example on Redis) can replace [`MemoryStore`] later.

use async_trait::async_trait;
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

/// Longest key, in bytes.
pub const MAX_KEY: usize = 256;
/// Longest value or set member, in bytes.
pub const MAX_VALUE: usize = 64 << 10;
/// Most keys (values and sets together).
pub const MAX_KEYS: usize = 100_000;
/// Most members of one set.
pub const MAX_MEMBERS: usize = 100_000;

/// Why a write was refused; the text goes back to the component.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("key is longer than {MAX_KEY} bytes")]
    KeyTooLong,
    #[error("value is longer than {MAX_VALUE} bytes")]
    ValueTooLong,
    #[error("the store holds {MAX_KEYS} keys already")]
    Full,
    #[error("the set holds {MAX_MEMBERS} members already")]
    SetFull,
    #[error("key holds a set, not a value (or the other way round)")]
    WrongKind,
}

#[async_trait]
pub trait AppStore: Send + Sync + 'static {
    async fn get(&self, key: &str) -> Option<String>;
    async fn set(&self, key: &str, value: &str) -> Result<(), StoreError>;
    async fn delete(&self, key: &str) -> bool;
    async fn set_add(&self, key: &str, member: &str) -> Result<bool, StoreError>;
    async fn set_remove(&self, key: &str, member: &str) -> bool;
    async fn set_members(&self, key: &str) -> Vec<String>;
}

/// The in-memory store of one server process. Owned by the server; every
/// call holds an `Arc` clone. It survives hot swaps, not restarts.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug)]
enum Entry {
    Value(String),
    Set(BTreeSet<String>),
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
}

fn check(key: &str, value: &str) -> Result<(), StoreError> {
    if key.len() > MAX_KEY {
        return Err(StoreError::KeyTooLong);
    }
    if value.len() > MAX_VALUE {
        return Err(StoreError::ValueTooLong);
    }
    Ok(())
}

#[async_trait]
impl AppStore for MemoryStore {
    async fn get(&self, key: &str) -> Option<String> {
        match self.entries.lock().unwrap().get(key) {
            Some(Entry::Value(value)) => Some(value.clone()),
            _ => None,
        }
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        check(key, value)?;
        let mut entries = self.entries.lock().unwrap();
        let full = entries.len() >= MAX_KEYS;
        match entries.get_mut(key) {
            Some(Entry::Set(_)) => Err(StoreError::WrongKind),
            Some(Entry::Value(old)) => {
                *old = value.to_owned();
                Ok(())
            }
            None if full => Err(StoreError::Full),
            None => {
                entries.insert(key.to_owned(), Entry::Value(value.to_owned()));
                Ok(())
            }
        }
    }

    async fn delete(&self, key: &str) -> bool {
        self.entries.lock().unwrap().remove(key).is_some()
    }

    async fn set_add(&self, key: &str, member: &str) -> Result<bool, StoreError> {
        check(key, member)?;
        let mut entries = self.entries.lock().unwrap();
        if !entries.contains_key(key) && entries.len() >= MAX_KEYS {
            return Err(StoreError::Full);
        }
        match entries
            .entry(key.to_owned())
            .or_insert_with(|| Entry::Set(BTreeSet::new()))
        {
            Entry::Value(_) => Err(StoreError::WrongKind),
            Entry::Set(set) if set.len() >= MAX_MEMBERS && !set.contains(member) => {
                Err(StoreError::SetFull)
            }
            Entry::Set(set) => Ok(set.insert(member.to_owned())),
        }
    }

    async fn set_remove(&self, key: &str, member: &str) -> bool {
        let mut entries = self.entries.lock().unwrap();
        let Some(Entry::Set(set)) = entries.get_mut(key) else {
            return false;
        };
        let removed = set.remove(member);
        if set.is_empty() {
            entries.remove(key);
        }
        removed
    }

    async fn set_members(&self, key: &str) -> Vec<String> {
        match self.entries.lock().unwrap().get(key) {
            Some(Entry::Set(set)) => set.iter().cloned().collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_and_sets() {
        let store = MemoryStore::new();
        assert_eq!(store.get("a").await, None);
        store.set("a", "1").await.unwrap();
        assert_eq!(store.get("a").await.as_deref(), Some("1"));
        assert!(store.set_add("s", "x").await.unwrap());
        assert!(!store.set_add("s", "x").await.unwrap());
        assert!(store.set_add("s", "y").await.unwrap());
        assert_eq!(store.set_members("s").await, vec!["x", "y"]);
        assert_eq!(store.set_add("a", "x").await, Err(StoreError::WrongKind));
        assert!(store.set_remove("s", "x").await);
        assert!(store.set_remove("s", "y").await);
        assert!(store.set_members("s").await.is_empty());
        assert!(store.delete("a").await);
        assert_eq!(
            store.set("k".repeat(MAX_KEY + 1).as_str(), "v").await,
            Err(StoreError::KeyTooLong)
        );
    }
}
