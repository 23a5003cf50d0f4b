//! Small shared state kept by the host: string values and string sets.
//! It outlives calls, connections and hot swaps, not restarts.
//!
//! ```no_run
//! use switchboard_guest::store;
//!
//! store::set_add("room:lobby", "ann").unwrap();
//! let members = store::set_members("room:lobby");
//! store::set("topic:lobby", "welcome").unwrap();
//! assert_eq!(store::get("topic:lobby").as_deref(), Some("welcome"));
//! ```

use crate::wit::store as host;

pub fn get(key: &str) -> Option<String> {
    host::get(key)
}

/// Fails when the key or value is too large, or the store is full.
pub fn set(key: &str, value: &str) -> Result<(), String> {
    host::set(key, value)
}

/// True if the key existed.
pub fn delete(key: &str) -> bool {
    host::delete(key)
}

/// True if the member was new.
pub fn set_add(key: &str, member: &str) -> Result<bool, String> {
    host::set_add(key, member)
}

/// True if the member was there.
pub fn set_remove(key: &str, member: &str) -> bool {
    host::set_remove(key, member)
}

pub fn set_members(key: &str) -> Vec<String> {
    host::set_members(key)
}
