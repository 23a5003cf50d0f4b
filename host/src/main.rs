//! The `switchboard` command.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use switchboard::jwt::{JwtConfig, JwtKey};
use switchboard::{Server, ServerConfig, guest_build};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    version,
    about = "A WebSocket server whose app logic is WebAssembly components"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the components in APP_DIR/socket over WebSocket at /socket.
    Serve(ServeArgs),
    /// Build the app's guests (Rust crates, and JS/TS, Python or C files
    /// under handlers/) into APP_DIR/socket/*.wasm.
    Build {
        app_dir: PathBuf,
        /// Cargo target directory for guest builds.
        #[arg(long)]
        target_dir: Option<PathBuf>,
    },
    /// Build, serve, and rebuild and hot-swap guests when their sources
    /// change.
    Dev {
        #[command(flatten)]
        serve: ServeArgs,
        /// Cargo target directory for guest builds.
        #[arg(long)]
        target_dir: Option<PathBuf>,
    },
    /// Load every component in APP_DIR/socket and report exports, config
    /// and problems; exits 1 if there are problems.
    Check { app_dir: PathBuf },
}

#[derive(Args)]
struct ServeArgs {
    app_dir: PathBuf,
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Largest message accepted from a client, in bytes; larger ones close
    /// the connection with 1009.
    #[arg(long, default_value_t = 1 << 20)]
    max_message_size: usize,
    /// Fuel (about one unit per Wasm instruction) per component call.
    #[arg(long, default_value_t = 500_000_000)]
    fuel: u64,
    /// Memory cap per component call, in MiB.
    #[arg(long, default_value_t = 64)]
    memory_limit_mib: usize,
    /// Linear memory, in KiB, each instance-pool slot resets in place
    /// between calls instead of releasing it. Above 256, only the pages a
    /// call dirtied are reset (on Linux 6.7+). 16384 makes JavaScript
    /// calls about 2.5 times cheaper and Python ones about 1.3 times, at up
    /// to that much resident memory per slot they used.
    #[arg(long, default_value_t = 256)]
    keep_resident_kib: usize,
    /// Timeout of a call, in seconds, for components that declare none.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Messages one call may send.
    #[arg(long, default_value_t = 1000)]
    max_sends_per_call: u32,
    /// Bytes one call may send, over all its messages.
    #[arg(long, default_value_t = 16 << 20)]
    max_send_bytes_per_call: usize,
    /// Messages queued for one client before it is disconnected with 1008.
    #[arg(long, default_value_t = 1024)]
    outbound_queue: usize,
    /// Bytes read from a socket at once; most of an idle connection's
    /// memory.
    #[arg(long, default_value_t = 4 << 10)]
    read_buffer_size: usize,
    /// Bytes of outgoing frames gathered before a socket write.
    #[arg(long, default_value_t = 64 << 10)]
    write_buffer_size: usize,
    /// Seconds between keepalive pings.
    #[arg(long, default_value_t = 20)]
    keepalive_interval: u64,
    /// Seconds to wait for a pong before closing the connection.
    #[arg(long, default_value_t = 10)]
    keepalive_timeout: u64,
    /// Directory of the compile cache [default: ~/.cache/switchboard/components].
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Compile every component at startup instead of using the cache.
    #[arg(long)]
    no_cache: bool,
    /// Do not watch socket/ for changed components.
    #[arg(long)]
    no_watch: bool,
    /// Accept HS256 tokens signed with this secret (built-in JWT
    /// authentication, used when no component exports `authenticate`).
    #[arg(long, env = "SWITCHBOARD_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// Accept RS256 tokens signed by this PEM public key.
    #[arg(long, value_name = "FILE", conflicts_with = "jwt_secret")]
    jwt_public_key: Option<PathBuf>,
    /// Accept RS256 tokens signed by a key of this JWKS file (chosen by kid).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["jwt_secret", "jwt_public_key"])]
    jwks: Option<PathBuf>,
    /// The cookie that may carry the token.
    #[arg(long, default_value = "token")]
    jwt_cookie: String,
    /// With JWT on, accept connections that bring no token as anonymous.
    #[arg(long)]
    allow_anonymous: bool,
    /// Serve the read-only admin routes (GET /_switchboard/components) on
    /// this address; keep it on loopback. Off by default.
    #[arg(long, value_name = "ADDR")]
    admin: Option<SocketAddr>,
    /// Benchmark baseline: answer with native Rust handlers instead of
    /// calling the components (only in builds with `bench-native`).
    #[cfg(feature = "bench-native")]
    #[arg(long)]
    bench_native_handlers: bool,
}

impl ServeArgs {
    fn into_config(self) -> anyhow::Result<ServerConfig> {
        let jwt = self.jwt_config()?;
        let mut config = ServerConfig::new(self.app_dir);
        config.jwt = jwt;
        config.listen = self.listen;
        config.max_message_size = self.max_message_size;
        config.limits.fuel = self.fuel;
        config.limits.memory_bytes = self.memory_limit_mib << 20;
        config.limits.keep_resident_bytes = self.keep_resident_kib << 10;
        config.limits.default_timeout = Duration::from_secs(self.timeout);
        config.limits.max_sends_per_call = self.max_sends_per_call;
        config.limits.max_send_bytes_per_call = self.max_send_bytes_per_call;
        config.outbound_queue = self.outbound_queue;
        config.read_buffer_size = self.read_buffer_size.max(64);
        config.write_buffer_size = self.write_buffer_size;
        config.keepalive.interval = Duration::from_secs(self.keepalive_interval.max(1));
        config.keepalive.timeout = Duration::from_secs(self.keepalive_timeout.max(1));
        config.watch = !self.no_watch;
        config.admin_listen = self.admin;
        #[cfg(feature = "bench-native")]
        {
            config.bench_native_handlers = self.bench_native_handlers;
        }
        if self.no_cache {
            config.cache_dir = None;
        } else if let Some(dir) = self.cache_dir {
            config.cache_dir = Some(dir);
        }
        Ok(config)
    }

    fn jwt_config(&self) -> anyhow::Result<Option<JwtConfig>> {
        let read = |path: &PathBuf| {
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
        };
        let key = if let Some(secret) = &self.jwt_secret {
            JwtKey::Secret(secret.clone().into_bytes())
        } else if let Some(path) = &self.jwt_public_key {
            JwtKey::PublicKeyPem(read(path)?)
        } else if let Some(path) = &self.jwks {
            JwtKey::Jwks(String::from_utf8(read(path)?).context("the JWKS is not UTF-8")?)
        } else {
            anyhow::ensure!(
                !self.allow_anonymous,
                "--allow-anonymous needs a JWT key option"
            );
            return Ok(None);
        };
        Ok(Some(JwtConfig {
            key,
            cookie: self.jwt_cookie.clone(),
            allow_anonymous: self.allow_anonymous,
        }))
    }
}

fn main() -> anyhow::Result<()> {
    // Traps are errors the server reports, not bugs; capturing a native
    // backtrace for each one costs more than the call. Panics keep theirs.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    }
    let cli = Cli::parse();
    // `check` prints a table; only problems belong in its log.
    let default_level = match cli.command {
        Command::Check { .. } => "warn",
        _ => "info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level)),
        )
        .init();
    match cli.command {
        Command::Build {
            app_dir,
            target_dir,
        } => {
            for built in guest_build::build_app(&app_dir, target_dir.as_deref())? {
                let state = if built.changed {
                    "updated"
                } else {
                    "unchanged"
                };
                tracing::info!(route = %built.route, path = %built.path.display(), "{state}");
            }
            Ok(())
        }
        Command::Serve(args) => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(serve(args.into_config()?))
        }
        Command::Dev {
            serve: args,
            target_dir,
        } => {
            let config = args.into_config()?;
            guest_build::build_app(&config.app_dir, target_dir.as_deref())?;
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async {
                let _sources = switchboard::dev::watch_sources(&config.app_dir, target_dir)?;
                serve(config).await
            })
        }
        Command::Check { app_dir } => {
            let runtime = tokio::runtime::Runtime::new()?;
            let report = runtime.block_on(switchboard::check::check(&app_dir))?;
            print!("{report}");
            if report.has_problems() {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}

async fn serve(config: ServerConfig) -> anyhow::Result<()> {
    let server = Server::bind(config)
        .await
        .context("cannot start the server")?;
    server.run(shutdown_signal()).await
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
