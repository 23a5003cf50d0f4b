//! Switchboard: a WebSocket server whose app logic is WebAssembly
//! components.
//!
//! Data flows one way: a frame arrives on a [`connection`], is decoded by
//! [`codec`], routed by [`routing`] to a component of the [`app`], run by
//! the [`runtime`], whose `send` calls go through the [`hub`] to each
//! recipient's outbound queue and out of its socket.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let config = switchboard::ServerConfig::new("examples/echo");
//! let server = switchboard::Server::bind(config).await?;
//! println!("listening on {}", server.local_addr());
//! server.run(std::future::pending()).await?;
//! # Ok(()) }
//! ```

pub mod admin;
pub mod app;
pub mod auth;
#[cfg(feature = "bench-native")]
pub mod bench_native;
pub mod check;
pub mod codec;
pub mod config;
pub mod connection;
pub mod dev;
pub mod dispatch;
pub mod guest_build;
pub mod hub;
pub mod jwt;
pub mod middleware;
pub mod presence;
pub mod reload;
pub mod routing;
pub mod runtime;
pub mod server;
pub mod store;

pub use config::{Keepalive, Limits, ServerConfig};
pub use server::Server;
