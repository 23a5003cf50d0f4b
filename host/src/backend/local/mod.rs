//! The backends of a single server process: the embedded default, which
//! needs nothing else running. The hub and the store live in memory; the
//! job queue in a SQLite file, so that jobs survive restarts.

mod hub;
mod index;
mod sqlite;
mod store;

pub use hub::LocalHub;
pub use index::Index;
pub use sqlite::{SqliteOptions, SqliteQueue};
pub use store::MemoryStore;
