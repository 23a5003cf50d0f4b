//! The WebSocket trigger: the upgrade (`upgrade`), one task pair per
//! connection (`connection`), one frame's way to its handler
//! (`dispatch`, decoding with `codec`), and the presence hooks
//! (`presence`). Frames flow one way: socket → decode → route → logging
//! hooks → component → hub → outbound queues → socket.
//!
//! Depends on `context` (the services), `app`, `auth`, `runtime`, `edge`
//! and `backend`.

#[cfg(feature = "bench-native")]
mod bench_native;
pub mod codec;
pub mod connection;
pub mod dispatch;
pub mod presence;
pub mod upgrade;
mod writer;

/// Close codes the server sends.
pub mod close_code {
    /// The peer stopped answering pings.
    pub const GOING_AWAY: u16 = 1001;
    pub const PROTOCOL_ERROR: u16 = 1002;
    pub const INVALID_DATA: u16 = 1007;
    /// The client did not read fast enough and its outbound queue filled,
    /// or it kept sending past the rate limit.
    pub const POLICY: u16 = 1008;
    /// A message was larger than `--max-message-size`.
    pub const TOO_BIG: u16 = 1009;
    /// The server is stopping (a drain): reconnect, to another node.
    pub const SERVICE_RESTART: u16 = 1012;
    /// The token (or the `expires-at` of the user) the connection was
    /// accepted on has expired; see `--jwt-keep-expired-connections`.
    pub const TOKEN_EXPIRED: u16 = 4001;
}
