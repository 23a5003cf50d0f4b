//! Small shared state kept by the host: string values and string sets.
//! It outlives calls, connections and hot swaps, not restarts.
//!
//! Keys are at most 256 bytes and values 64 KiB, and the whole store has a
//! byte cap. Every function returns an [`Error`] when a limit refuses it or
//! the host's store fails; a refused write changes nothing.
//!
//! ```no_run
//! use switchboard_guest::{Error, store};
//!
//! fn lobby() -> Result<(), Error> {
//!     store::set_add("room:lobby", "ann")?;
//!     let members = store::set_members("room:lobby")?;
//!     store::set("topic:lobby", "welcome")?;
//!     assert_eq!(store::get("topic:lobby")?.as_deref(), Some("welcome"));
//!     Ok(())
//! }
//! ```

use crate::Error;
use crate::wit::store as host;

/// The value under the key, if any.
pub fn get(key: &str) -> Result<Option<String>, Error> {
    host::get(key).map_err(Error::from)
}

pub fn set(key: &str, value: &str) -> Result<(), Error> {
    host::set(key, value).map_err(Error::from)
}

/// True if the key existed.
pub fn delete(key: &str) -> Result<bool, Error> {
    host::delete(key).map_err(Error::from)
}

/// True if the member was new.
pub fn set_add(key: &str, member: &str) -> Result<bool, Error> {
    host::set_add(key, member).map_err(Error::from)
}

/// True if the member was there.
pub fn set_remove(key: &str, member: &str) -> Result<bool, Error> {
    host::set_remove(key, member).map_err(Error::from)
}

/// The members of the set, empty when there is none.
pub fn set_members(key: &str) -> Result<Vec<String>, Error> {
    host::set_members(key).map_err(Error::from)
}
