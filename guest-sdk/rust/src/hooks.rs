//! Middleware hooks: presence and logging.
//!
//! ```no_run
//! use switchboard_guest::{Error, HookMode, HookModes, Logging, Presence, Request, socket};
//!
//! struct Hooks;
//!
//! impl Presence for Hooks {
//!     fn on_online(_user: &str) -> Result<(), Error> {
//!         socket::send("welcome back")
//!     }
//!     fn on_offline(_user: &str) -> Result<(), Error> {
//!         Ok(())
//!     }
//! }
//!
//! impl Logging for Hooks {
//!     fn hooks() -> HookModes {
//!         HookModes { received: HookMode::Wrap, ..HookModes::default() }
//!     }
//!     fn on_message_received(req: &Request) {
//!         println!("got {} from {}", req.request_id, req.connection);
//!     }
//! }
//!
//! switchboard_guest::export_presence!(Hooks);
//! switchboard_guest::export_logging!(Hooks);
//! # fn main() {}
//! ```

use crate::{Data, Error, Request};

/// `on-online` and `on-offline`, each called exactly once per transition.
/// `socket::send` inside them goes to that user. An error's text is
/// logged by the host (and reaches `on-error` logging hooks).
pub trait Presence {
    fn on_online(user: &str) -> Result<(), Error>;
    fn on_offline(user: &str) -> Result<(), Error>;
}

/// How this component takes part in one logging hook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HookMode {
    /// Not handled here; the next `_middleware.wasm` up, or the default.
    #[default]
    Inherit,
    /// This hook runs instead of the default.
    Handle,
    /// This hook runs, and the default too.
    Wrap,
    /// Nothing runs for the routes that resolve here.
    Disable,
}

/// The mode of each logging hook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HookModes {
    pub received: HookMode,
    pub sent: HookMode,
    pub error: HookMode,
}

/// A message a component sent.
#[derive(Debug, Clone)]
pub struct SentMessage {
    /// Set for an anonymous `send`, which goes to one connection.
    pub connection: Option<String>,
    /// Set for a `send` by a user, and for each user of `send-to`.
    pub user: Option<String>,
    pub data: Data,
}

/// Logging hooks. Declare in [`Logging::hooks`] which ones this component
/// takes part in; the rest are inherited.
pub trait Logging {
    fn hooks() -> HookModes;
    fn on_message_received(_req: &Request) {}
    /// The messages one call sent, in order: one per connection (an
    /// anonymous `send`) or per user (a user's `send`, each user of a
    /// `send-to`), all in one hook call.
    fn on_messages_sent(_messages: &[SentMessage]) {}
    fn on_error(_error: &str, _req: Option<&Request>) {}
}

impl HookModes {
    #[doc(hidden)]
    pub fn into_wit(self) -> crate::wit::types::HookModes {
        use crate::wit::types::HookMode as W;
        let mode = |m: HookMode| match m {
            HookMode::Inherit => W::Inherit,
            HookMode::Handle => W::Handle,
            HookMode::Wrap => W::Wrap,
            HookMode::Disable => W::Disable,
        };
        crate::wit::types::HookModes {
            message_received: mode(self.received),
            message_sent: mode(self.sent),
            error: mode(self.error),
        }
    }
}
