//! Every setting of `switchboard serve`, spelled once: its section and key
//! in the config file, its type, its default and its help. The command
//! line flags (`--KEY`), the `SWITCHBOARD_*` environment variables, the
//! config file and `--print-config` are all derived from this one list.
//!
//! Precedence: flag > environment variable > config file > default (see
//! [`load`]).
//!
//! Depends on nothing else in the crate but `backend` (for the store's
//! limit type).

mod flags;
mod load;
#[macro_use]
mod spec;
mod units;
mod value;

pub use flags::SettingFlags;
pub use load::{Overrides, SettingsError, load, parse_file};
pub use spec::Spec;
use spec::kebab_case;
pub use units::default_cache_dir;
use value::Value;

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

sections! {
    /// Where to listen.
    ["listen" Listen, prefix ""] {
        /// Address to serve WebSocket, HTTP and `public/` on.
        addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 8080)), flag = "listen";
        /// Serve the admin routes (components, queues, dead letters, health)
        /// on this address. Off when unset.
        admin: Option<SocketAddr> = None, flag = "admin";
        /// Bearer token every admin route but `/healthz` and `/readyz`
        /// requires. Without one, the admin listener must be on a loopback
        /// address, and its routes are open to anyone on the machine.
        admin_token: Option<String> = None, flag = "admin-token";
        /// Count metrics, served in Prometheus's format at the admin
        /// listener's `/metrics` (`--no-metrics` skips the counting).
        metrics: bool = true, flag = "metrics";
    }

    /// Client connections.
    ["connections" Connections, prefix ""] {
        /// Largest message accepted from a client, in bytes; a larger one
        /// closes the connection with 1009.
        max_message_size: usize = 1 << 20;
        /// Messages queued for one client; when full, the client is
        /// disconnected with 1008.
        outbound_queue: usize = 1024;
        /// Bytes read from a socket at once; tungstenite zeroes this buffer
        /// when a connection opens, so it is most of an idle connection's
        /// memory (larger frames grow it as needed).
        read_buffer_size: usize = 4 << 10;
        /// Bytes of outgoing frames gathered before a socket write (the
        /// writer also flushes after each batch of queued messages).
        write_buffer_size: usize = 64 << 10;
        /// Seconds between keepalive pings of a quiet connection (fractions
        /// allowed, as for every setting in seconds but `timeout`).
        keepalive_interval: f64 = 20.0;
        /// Seconds a connection may leave a ping unanswered before it is
        /// closed with 1001.
        keepalive_timeout: f64 = 10.0;
        /// Seconds over which a stopping server (SIGTERM) closes its
        /// connections with 1012, each at its own moment, so that clients
        /// do not all reconnect at once.
        drain_window: f64 = 10.0;
        /// Seconds a stopping server waits, after the drain window, for
        /// connections and calls in flight to finish; a second SIGTERM
        /// exits at once.
        shutdown_grace: f64 = 5.0;
    }

    /// Caps on every component call, handlers and middleware alike.
    ["limits" CallLimits, prefix ""] {
        /// Fuel per call (about one unit per Wasm instruction; roughly 0.1 s
        /// of tight loop).
        fuel: u64 = 500_000_000;
        /// Linear memory cap per call, in MiB.
        memory_limit_mib: usize = 64;
        /// Wall-clock limit of a call, in seconds, for handlers that
        /// declare none.
        timeout: u64 = 10;
        /// Calls that may run at once (the instance pool's size); later
        /// ones wait for a slot.
        max_concurrent_calls: u32 = 256;
        /// Messages one call may send (each `send` or `send-to` counts
        /// one); past it, they return an error.
        max_sends_per_call: u32 = 1000;
        /// Bytes one call may send, over all its messages.
        max_send_bytes_per_call: usize = 16 << 20;
        /// Linear memory, in KiB, each instance-pool slot resets in place
        /// between calls; above 256, only dirtied pages are reset (Linux
        /// 6.7+). 16384 makes JavaScript and Python calls cheaper.
        keep_resident_kib: usize = 256;
        /// Bytes of stdout and stderr one call may write to the server's
        /// log; past it, one line says how much was dropped.
        guest_output_bytes: usize = 64 << 10;
        /// Lines of stdout and stderr one call may write to the log.
        guest_output_lines: usize = 100;
        /// Outbound HTTP requests one call may make; past it, they are
        /// denied.
        max_outbound_requests_per_call: u32 = 20;
        /// Instances each warm component (`instances: warm` in its config)
        /// keeps idle between calls; calls beyond them at once run in
        /// instances that are not kept.
        warm_pool_size: usize = 4;
        /// Instances all warm pools together may keep idle (each holds an
        /// instance-pool slot besides the `max-concurrent-calls` ones).
        warm_max_instances: u32 = 64;
        /// Linear memory, in MiB, that all warm pools together may keep
        /// idle; an instance that would pass it is dropped after its call.
        warm_max_memory_mib: usize = 1024;
        /// Calls a warm instance serves before it is dropped.
        warm_max_calls: u32 = 10_000;
        /// Seconds a warm instance may stay idle before it is dropped.
        warm_idle_timeout: f64 = 60.0;
    }

    /// The `store` import's caps (keys are at most 256 bytes and values
    /// 64 KiB, as the WIT contract says).
    ["store" Store, prefix "store_"] {
        /// Bytes of keys, values and set members the store may hold in all;
        /// a write past it is refused with an error.
        max_bytes: u64 = 64 << 20;
        /// Keys (values and sets together) the store may hold.
        max_keys: usize = 100_000;
        /// Members one set may hold.
        max_members: usize = 100_000;
    }

    /// Loading components.
    ["components" Components, prefix ""] {
        /// Cache compiled components (`--no-cache` compiles every component
        /// at startup).
        cache: bool = true;
        /// Directory of the compile cache; unset means
        /// `$XDG_CACHE_HOME/switchboard/components`, else
        /// `~/.cache/switchboard/components`.
        cache_dir: Option<PathBuf> = None;
        /// Watch `socket/` and swap changed components in while serving
        /// (`--no-watch` turns it off).
        watch: bool = true;
    }

    /// The browser-facing edge: which pages may open sockets, who the
    /// client is behind proxies, and the caps on connections, request
    /// heads and message rates.
    ["edge" Edge, prefix ""] {
        /// Origins whose pages may open sockets besides the server's own
        /// (`https://app.example.com`, `https://*.example.com` for its
        /// subdomains); `["*"]` turns the Origin check off. Requests
        /// without `Origin` (not from a browser) are always let through.
        allowed_origins: Vec<String> = Vec::new(), flag = "allowed-origins";
        /// Proxies (addresses or CIDR blocks) whose `X-Forwarded-For` names
        /// the client, for the per-IP cap and the logs.
        trusted_proxies: Vec<String> = Vec::new(), flag = "trusted-proxies";
        /// Messages per second one connection may send, on average; past
        /// it, messages get `{"error": "rate limit: ..."}`. 0 turns it off.
        message_rate: f64 = 100.0;
        /// Messages one connection may send at once above the rate.
        message_burst: u32 = 200;
        /// Refused messages in a row after which the connection is closed
        /// with 1008.
        rate_limit_refusals: u32 = 100;
        /// Connections one client IP may hold; past it, upgrades get 429.
        /// 0 turns it off.
        max_connections_per_ip: usize = 1000;
        /// Connections the server holds in all; past it, upgrades get 503.
        /// Unset means the open-file limit less a tenth (at least 100).
        max_connections: Option<usize> = None;
        /// Longest upgrade URL (path and query), in bytes; past it, 431.
        max_url_bytes: usize = 8 << 10;
        /// Most bytes of upgrade request headers in all; past it, 431.
        max_header_bytes: usize = 32 << 10;
        /// Most bytes of `Cookie` headers on an upgrade; past it, 431.
        max_cookie_bytes: usize = 8 << 10;
    }

    /// HTTP: the `api/` handlers, the server send API, and requests
    /// components make.
    ["http" Http, prefix ""] {
        /// Largest request body an `api/` handler is given, in bytes; past
        /// it, the request gets 413.
        max_body_bytes: usize = 1 << 20;
        /// Largest response body an `api/` handler may answer with, in
        /// bytes; past it, the handler is stopped and the client gets 500.
        max_response_bytes: usize = 8 << 20;
        /// Bearer key of the server send API (`POST /_switchboard/send`,
        /// `GET /_switchboard/online`); the API is off while unset.
        api_key: Option<String> = None, flag = "api-key";
        /// Where components may send HTTP requests, as `scheme://host[:port]`
        /// patterns (`https://api.example.com`, `http://127.0.0.1:*`,
        /// `https://*.example.com`); everything else is denied.
        allowed_outbound_hosts: Vec<String> = Vec::new(), flag = "allowed-outbound-hosts";
    }

    /// Queued jobs (`queues/`) and schedules (`schedules/`).
    ["jobs" Jobs, prefix "jobs_"] {
        /// Directory of the job queue's SQLite file, `jobs.db`; unset means
        /// `APP_DIR/.switchboard/`. Only one server may use it at a time.
        data_dir: Option<PathBuf> = None, flag = "data-dir";
        /// Jobs of one queue that run at once, for queues that declare none.
        concurrency: u32 = 4;
        /// Runs of a failing job before it moves to the dead letters, for
        /// queues that declare none.
        max_attempts: u32 = 5;
        /// Seconds before a failed job's first retry; each later retry
        /// waits twice as long as the one before, up to `retry-max-delay`.
        retry_delay: f64 = 1.0;
        /// Longest wait before a retry, in seconds.
        retry_max_delay: f64 = 300.0;
        /// Largest job payload, in bytes; a larger push is refused.
        max_payload_bytes: usize = 256 << 10;
        /// Waiting and running jobs one queue may hold; a push past it is
        /// refused, and nothing queued is lost.
        max_depth: u64 = 100_000;
        /// Seconds a push's idempotency key is remembered.
        idempotency_window: f64 = 86_400.0;
        /// Commit the pushes and results that arrive together in one
        /// transaction, so that one fsync serves them all; off commits
        /// each alone (see BENCHMARKS.md). Every commit is synced to disk
        /// either way.
        batch_commits: bool = true;
    }

    /// Many nodes on one Redis, behaving as one server.
    ["cluster" Cluster, prefix "cluster_"] {
        /// Join the cluster on this Redis (`redis://HOST:PORT[/DB]`); unset
        /// runs a single node with no Redis.
        redis: Option<String> = None, flag = "cluster";
        /// The first part of every Redis key and channel name, so that
        /// clusters can share a Redis.
        prefix: String = "sb".to_owned(), flag = "cluster-prefix";
        /// Seconds a node's heartbeat lives: a node silent for longer is
        /// taken for dead, and its connections are removed.
        node_ttl: f64 = 10.0;
    }

    /// The server's log, on stdout. `RUST_LOG` picks what is logged.
    ["log" Log, prefix "log_"] {
        /// `text` (for people) or `json` (one object per line, with the
        /// fields of the spans it happened in: connection, route, request
        /// id).
        format: String = "text".to_owned();
        /// The access log: one line per message handled (target
        /// `switchboard::messages`: route, connection, request id, user,
        /// size), which the default logging hook writes.
        /// `--no-log-messages` turns it off.
        messages: bool = true;
    }

    /// Built-in JWT authentication, used when no component exports
    /// `authenticate`. Give at most one of `secret`, `public-key`, `jwks`,
    /// `jwks-url`.
    ["jwt" Jwt, prefix "jwt_"] {
        /// Accept HS256 tokens signed with this secret.
        secret: Option<String> = None;
        /// Accept RS256 tokens signed by this PEM public key file.
        public_key: Option<PathBuf> = None;
        /// Accept RS256 tokens signed by a key of this JWKS file (chosen by
        /// `kid`).
        jwks: Option<PathBuf> = None, flag = "jwks";
        /// Accept RS256 tokens signed by a key of the JWKS at this URL
        /// (`https://`, or `http://` on loopback), cached by its
        /// Cache-Control max-age (else 5 minutes) and refetched at most
        /// once a minute for a token naming an unknown `kid`.
        jwks_url: Option<String> = None, flag = "jwks-url";
        /// Seconds of clock skew allowed when checking `exp` and `nbf`.
        leeway: u64 = 0;
        /// Accept only tokens whose `aud` names one of these (a
        /// comma-separated list on the command line); empty checks none.
        audience: Vec<String> = Vec::new();
        /// Accept only tokens whose `iss` is one of these; empty checks none.
        issuer: Vec<String> = Vec::new();
        /// The cookie that may carry the token.
        cookie: String = "token".to_owned();
        /// With JWT on, admit connections without a token as anonymous.
        allow_anonymous: bool = false, flag = "allow-anonymous";
        /// Keep connections open after their token (or the expiry an
        /// `authenticate` component gave) has expired, instead of closing
        /// them with 4001.
        keep_expired_connections: bool = false;
    }
}

/// Everything `switchboard serve` can be told, by section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    pub listen: Listen,
    pub connections: Connections,
    pub limits: CallLimits,
    pub store: Store,
    pub components: Components,
    pub jwt: Jwt,
    pub edge: Edge,
    pub http: Http,
    pub jobs: Jobs,
    pub cluster: Cluster,
    pub log: Log,
    /// Answer with the benchmark's native handlers instead of calling
    /// components (`--bench-native-handlers`, bench builds only).
    #[cfg(feature = "bench-native")]
    #[serde(skip)]
    pub bench_native_handlers: bool,
}

impl Settings {
    /// Every setting's spec, section by section.
    pub fn specs() -> Vec<Spec> {
        [
            Listen::specs(),
            Connections::specs(),
            CallLimits::specs(),
            Store::specs(),
            Components::specs(),
            Jwt::specs(),
            Edge::specs(),
            Http::specs(),
            Jobs::specs(),
            Cluster::specs(),
            Log::specs(),
        ]
        .concat()
    }

    /// Defaults that suit a test: an ephemeral port, no watching.
    pub fn for_tests() -> Settings {
        let mut settings = Settings::default();
        settings.listen.addr = SocketAddr::from(([127, 0, 0, 1], 0));
        settings
    }

    /// The compile cache's directory, unless the cache is off.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        match self.components.cache {
            true => self.components.cache_dir.clone().or_else(default_cache_dir),
            false => None,
        }
    }

    /// What `--print-config` shows: these settings as a config file, the
    /// JWT secret, the API key and the admin token masked.
    pub fn to_toml(&self) -> String {
        let mut shown = self.clone();
        if shown.jwt.secret.is_some() {
            shown.jwt.secret = Some("<redacted>".into());
        }
        if shown.http.api_key.is_some() {
            shown.http.api_key = Some("<redacted>".into());
        }
        if shown.listen.admin_token.is_some() {
            shown.listen.admin_token = Some("<redacted>".into());
        }
        toml::to_string_pretty(&shown).expect("settings serialize")
    }
}
