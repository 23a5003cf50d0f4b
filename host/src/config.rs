//! Server settings and their defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Caps on every component call. They apply to handlers and to
/// middleware alike.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Wasm fuel per call; roughly one unit per instruction.
    pub fuel: u64,
    /// Largest linear memory a call may grow to, in bytes.
    pub memory_bytes: usize,
    /// Wall-clock limit of a call whose component declares none.
    pub default_timeout: Duration,
    /// Calls that may run at once; later ones wait for a slot.
    pub max_concurrent_calls: u32,
    /// Messages one call may send (`send` and `send-to` calls).
    pub max_sends_per_call: u32,
    /// Bytes one call may send, summed over its messages.
    pub max_send_bytes_per_call: usize,
    /// Linear memory each pool slot resets in place between calls; the
    /// rest is released and faults in again on the next call. Above
    /// 256 KiB, only the pages a call dirtied are reset (where the kernel
    /// has PAGEMAP_SCAN), which makes big guests (JavaScript, Python)
    /// cheaper to call, at up to this much resident memory per slot.
    pub keep_resident_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 500_000_000,
            memory_bytes: 64 << 20,
            default_timeout: Duration::from_secs(10),
            max_concurrent_calls: 256,
            max_sends_per_call: 1000,
            max_send_bytes_per_call: 16 << 20,
            keep_resident_bytes: 256 << 10,
        }
    }
}

/// Ping/pong settings that find peers which vanished without a close.
#[derive(Debug, Clone, Copy)]
pub struct Keepalive {
    /// How often the server pings an otherwise quiet connection.
    pub interval: Duration,
    /// How long after a ping a connection may stay silent before it is
    /// closed.
    pub timeout: Duration,
}

impl Default for Keepalive {
    fn default() -> Self {
        Keepalive {
            interval: Duration::from_secs(20),
            timeout: Duration::from_secs(10),
        }
    }
}

/// Everything `switchboard serve` can be told.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The app folder, holding `socket/` and optionally `public/`.
    pub app_dir: PathBuf,
    pub listen: SocketAddr,
    /// Largest message accepted from a client; larger ones close the
    /// connection with 1009.
    pub max_message_size: usize,
    /// Messages that may wait for one slow client before it is
    /// disconnected with 1008.
    pub outbound_queue: usize,
    /// Bytes each connection reads from its socket at once. The buffer is
    /// allocated and zeroed when the connection opens, so it is most of
    /// an idle connection's memory; larger frames grow it as needed.
    pub read_buffer_size: usize,
    /// Bytes of outgoing frames gathered before they are written to the
    /// socket; the writer flushes after each batch of queued messages
    /// anyway.
    pub write_buffer_size: usize,
    pub keepalive: Keepalive,
    pub limits: Limits,
    /// Where compiled components are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// How long shutdown waits for connections to close.
    pub shutdown_grace: Duration,
    /// Watch `socket/` and swap changed components in while serving.
    pub watch: bool,
    /// Where to serve the read-only admin routes
    /// (`/_switchboard/components`); off when `None`.
    pub admin_listen: Option<SocketAddr>,
    /// Built-in JWT authentication, used when no component exports
    /// `authenticate`.
    pub jwt: Option<crate::jwt::JwtConfig>,
    /// Answer with the benchmark's native handlers instead of calling
    /// components (see `bench_native`).
    #[cfg(feature = "bench-native")]
    pub bench_native_handlers: bool,
}

impl ServerConfig {
    /// Defaults for serving `app_dir` on 127.0.0.1:8080.
    pub fn new(app_dir: impl Into<PathBuf>) -> Self {
        ServerConfig {
            app_dir: app_dir.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_message_size: 1 << 20,
            outbound_queue: 1024,
            read_buffer_size: 4 << 10,
            write_buffer_size: 64 << 10,
            keepalive: Keepalive::default(),
            limits: Limits::default(),
            cache_dir: default_cache_dir(),
            shutdown_grace: Duration::from_secs(5),
            watch: true,
            admin_listen: None,
            jwt: None,
            #[cfg(feature = "bench-native")]
            bench_native_handlers: false,
        }
    }
}

/// `$XDG_CACHE_HOME/switchboard/components`, else
/// `$HOME/.cache/switchboard/components`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("switchboard").join("components"))
}
