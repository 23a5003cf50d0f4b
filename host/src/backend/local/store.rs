//! The store of one process: values and sets in a map, with running
//! totals so that the limits' questions cost nothing.

use crate::backend::{AppStore, BackendError, EntrySize, StoreError, Usage};
use async_trait::async_trait;
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

/// The in-memory store of one server process. Owned by the server's
/// services; every call holds an `Arc` clone. It survives hot swaps, not
/// restarts, and never fails.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<String, Entry>,
    /// Bytes of every key, value and member.
    bytes: u64,
}

#[derive(Debug)]
enum Entry {
    Value(String),
    Set(BTreeSet<String>),
}

impl Entry {
    fn size(&self, key: &str) -> EntrySize {
        let (bytes, members) = match self {
            Entry::Value(value) => (value.len() as u64, 0),
            Entry::Set(set) => (set.iter().map(|m| m.len() as u64).sum(), set.len() as u64),
        };
        EntrySize {
            exists: true,
            bytes: key.len() as u64 + bytes,
            members,
        }
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl AppStore for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<String>, BackendError> {
        Ok(match self.state.lock().unwrap().entries.get(key) {
            Some(Entry::Value(value)) => Some(value.clone()),
            _ => None,
        })
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let mut state = self.state.lock().unwrap();
        let State { entries, bytes } = &mut *state;
        match entries.get_mut(key) {
            Some(Entry::Set(_)) => Err(StoreError::WrongKind),
            Some(Entry::Value(old)) => {
                *bytes = *bytes - old.len() as u64 + value.len() as u64;
                *old = value.to_owned();
                Ok(())
            }
            None => {
                *bytes += (key.len() + value.len()) as u64;
                entries.insert(key.to_owned(), Entry::Value(value.to_owned()));
                Ok(())
            }
        }
    }

    async fn delete(&self, key: &str) -> Result<bool, BackendError> {
        let mut state = self.state.lock().unwrap();
        let Some(entry) = state.entries.remove(key) else {
            return Ok(false);
        };
        state.bytes -= entry.size(key).bytes;
        Ok(true)
    }

    async fn set_add(&self, key: &str, member: &str) -> Result<bool, StoreError> {
        let mut state = self.state.lock().unwrap();
        let State { entries, bytes } = &mut *state;
        let entry = entries.entry(key.to_owned()).or_insert_with(|| {
            *bytes += key.len() as u64;
            Entry::Set(BTreeSet::new())
        });
        let Entry::Set(set) = entry else {
            return Err(StoreError::WrongKind);
        };
        let added = set.insert(member.to_owned());
        if added {
            *bytes += member.len() as u64;
        }
        Ok(added)
    }

    async fn set_remove(&self, key: &str, member: &str) -> Result<bool, BackendError> {
        let mut state = self.state.lock().unwrap();
        let Some(Entry::Set(set)) = state.entries.get_mut(key) else {
            return Ok(false);
        };
        let removed = set.remove(member);
        let emptied = set.is_empty();
        if removed {
            state.bytes -= member.len() as u64;
        }
        if emptied {
            state.entries.remove(key);
            state.bytes -= key.len() as u64;
        }
        Ok(removed)
    }

    async fn set_members(&self, key: &str) -> Result<Vec<String>, BackendError> {
        Ok(match self.state.lock().unwrap().entries.get(key) {
            Some(Entry::Set(set)) => set.iter().cloned().collect(),
            _ => Vec::new(),
        })
    }

    async fn entry_size(&self, key: &str) -> Result<EntrySize, BackendError> {
        let state = self.state.lock().unwrap();
        Ok(state
            .entries
            .get(key)
            .map(|entry| entry.size(key))
            .unwrap_or_default())
    }

    async fn usage(&self) -> Result<Usage, BackendError> {
        let state = self.state.lock().unwrap();
        Ok(Usage {
            keys: state.entries.len() as u64,
            bytes: state.bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_and_sets_keep_their_totals() {
        let store = MemoryStore::new();
        assert_eq!(store.get("a").await, Ok(None));
        store.set("a", "1").await.unwrap();
        store.set("a", "123").await.unwrap();
        assert_eq!(store.get("a").await, Ok(Some("123".into())));
        assert!(store.set_add("s", "x").await.unwrap());
        assert!(!store.set_add("s", "x").await.unwrap());
        assert!(store.set_add("s", "yy").await.unwrap());
        assert_eq!(store.set_members("s").await.unwrap(), vec!["x", "yy"]);
        assert_eq!(store.set_add("a", "x").await, Err(StoreError::WrongKind));
        assert_eq!(
            store.usage().await.unwrap(),
            Usage {
                keys: 2,
                bytes: 4 + 4
            }
        );
        assert_eq!(
            store.entry_size("s").await.unwrap(),
            EntrySize {
                exists: true,
                bytes: 4,
                members: 2
            }
        );
        assert!(store.set_remove("s", "x").await.unwrap());
        assert!(store.set_remove("s", "yy").await.unwrap());
        assert!(store.set_members("s").await.unwrap().is_empty());
        assert!(store.delete("a").await.unwrap());
        assert_eq!(store.usage().await.unwrap(), Usage::default());
    }
}
