//! The in-memory backends of a single server process: the embedded
//! default, which needs nothing else running.

mod hub;
mod store;

pub use hub::LocalHub;
pub use store::MemoryStore;
