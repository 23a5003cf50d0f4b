//! What the current call is about: the user it acts for, the route's
//! `[param]` values, and a job's attempt.
//!
//! Works in every kind of component: socket handlers, hooks and `api/`
//! HTTP handlers. In a socket handler it tells the same as
//! [`Request::user`](crate::Request::user) and
//! [`Request::params`](crate::Request::params); in an HTTP handler it is
//! the only way to learn them.
//!
//! ```no_run
//! use switchboard_guest::{Error, context};
//!
//! fn whoami() -> Result<String, Error> {
//!     let user = context::user().ok_or("sign in first")?;
//!     let id = context::param("id").unwrap_or_default();
//!     Ok(format!("{} asked about {id}", user.id))
//! }
//! ```

use crate::User;
use crate::wit::context as host;

/// The user the call acts for: the authenticated user of the socket
/// message or HTTP request, or the user a presence hook is about. `None`
/// when the caller is anonymous.
pub fn user() -> Option<User> {
    host::user().map(User::from_wit)
}

/// The values of the route's `[param]` segments, in route order: for a
/// socket message, its routed fields (`[room]/index` gives `("room",
/// "r1")`); for an HTTP request, its path segments (`api/users/[id]`
/// gives `("id", "42")`). Empty for a route without params.
pub fn params() -> Vec<(String, String)> {
    host::params()
}

/// The attempt number of the queued job this call runs, from 1; `None`
/// outside a job.
pub fn attempt() -> Option<u32> {
    host::attempt()
}

/// One route param by name.
pub fn param(name: &str) -> Option<String> {
    host::params()
        .into_iter()
        .find_map(|(key, value)| (key == name).then_some(value))
}
