//! Switchboard: a WebSocket server whose app logic is WebAssembly
//! components.
//!
//! Data flows one way: a frame arrives on a [`socket`] connection, is
//! routed by the [`app`] to a component, run by the [`runtime`], whose
//! `send` calls go through the [`backend`] hub to each recipient's
//! outbound queue and out of its socket.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let settings = switchboard::Settings::default();
//! let server = switchboard::Server::bind("examples/echo", settings).await?;
//! println!("listening on {}", server.local_addr());
//! server.run(std::future::pending()).await?;
//! # Ok(()) }
//! ```
//!
//! The crate's map, lowest layer first; each module imports only the
//! ones before it in this list (checked by `tests/layout.rs`):
//!
//! 1. [`metrics`]: the counters every layer records into;
//! 2. [`backend`]: the hub, store and job queue traits, their embedded
//!    and null implementations, and the store's and pushes' limits;
//! 3. [`settings`]: every setting, the config file and the flags;
//! 4. [`edge`]: the browser-facing policy: origins, client IPs, caps and
//!    rate limits;
//! 5. [`runtime`]: the engine, calls under limits, the host imports;
//! 6. [`app`]: the loaded components, routing, logging hooks, hot reload;
//! 7. [`auth`]: who a request belongs to;
//! 8. [`context`]: the services the triggers share;
//! 9. [`socket`]: the WebSocket trigger;
//! 10. [`http`]: the HTTP trigger (`api/` handlers) and the send API;
//! 11. [`jobs`]: the job triggers (`queues/` and `schedules/`);
//! 12. [`server`]: listeners, routes, admin, shutdown;
//! 13. [`cli`]: the `switchboard` command.

/// The loaded app: routes, logging hooks, hot reload, check.
pub mod app;
/// Who a request belongs to: `authenticate` or built-in JWT.
pub mod auth;
/// Backend traits (hub, store, job queue) and their embedded implementations.
pub mod backend;
/// The `switchboard` command.
pub mod cli;
/// The services every trigger shares.
pub mod context;
/// The browser-facing edge: origins, client IPs, caps and rate limits.
pub mod edge;
/// The HTTP trigger: `api/` handlers and the server send API.
pub mod http;
/// The job triggers: queue workers and schedule clocks.
pub mod jobs;
/// The node's Prometheus metrics.
pub mod metrics;
/// The engine, calls under limits, and the host imports.
pub mod runtime;
/// Listeners, routes, admin and shutdown.
pub mod server;
/// Settings: defaults, the config file, environment and flags.
pub mod settings;
/// The WebSocket trigger: upgrade, connections, dispatch, presence.
pub mod socket;

pub use server::Server;
pub use settings::Settings;
