//! The `switchboard` command: `serve`, `build` (`build`), `dev` (`dev`)
//! and `check`.
//!
//! Depends on `server`, `settings` and `app`; nothing imports it but the
//! binary and the tests.

pub mod build;
pub mod dev;
pub mod jobs;
mod log;

use crate::server::Server;
use crate::settings::{self, SettingFlags, Settings};
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

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
    /// Serve the app: WebSocket at /socket, its api/ handlers, queues and
    /// schedules.
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
    /// Load every component of the app and report exports, config and
    /// problems; exits 1 if there are problems.
    Check { app_dir: PathBuf },
    /// Show the queues and dead letters of the app's job queue; requeue or
    /// drop a dead job.
    Jobs(jobs::JobsArgs),
}

#[derive(Args)]
struct ServeArgs {
    app_dir: PathBuf,
    /// Read settings from this file [default: APP_DIR/switchboard.toml,
    /// when it exists]. Flags and SWITCHBOARD_* variables override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print the effective settings as a config file and exit.
    #[arg(long)]
    print_config: bool,
    #[command(flatten)]
    settings: SettingFlags,
    /// Benchmark baseline: answer with native Rust handlers instead of
    /// calling the components (only in builds with `bench-native`).
    #[cfg(feature = "bench-native")]
    #[arg(long)]
    bench_native_handlers: bool,
}

impl ServeArgs {
    /// The effective settings: defaults, the config file, then the
    /// environment and the flags.
    fn settings(&self) -> anyhow::Result<Settings> {
        let file = match &self.config {
            Some(path) => Some(path.clone()),
            None => Some(self.app_dir.join("switchboard.toml")).filter(|path| path.is_file()),
        };
        #[allow(unused_mut)]
        let mut settings = settings::load(file.as_deref(), &self.settings.overrides)?;
        #[cfg(feature = "bench-native")]
        {
            settings.bench_native_handlers = self.bench_native_handlers;
        }
        Ok(settings)
    }
}

/// Runs the command line.
pub fn main() -> anyhow::Result<()> {
    // Traps are errors the server reports, not bugs; capturing a native
    // backtrace for each one costs more than the call. Panics keep theirs.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    }
    let cli = Cli::parse();
    // `check` prints a table; only problems belong in its log.
    let default_level = match cli.command {
        Command::Check { .. } | Command::Jobs(_) => "warn",
        _ => "info",
    };
    // Serving reads its settings first: they say how to log.
    let settings = match &cli.command {
        Command::Serve(args) | Command::Dev { serve: args, .. } => Some(args.settings()?),
        _ => None,
    };
    // Held to the end: dropping it writes out what the log still queues.
    let _log = log::init(default_level, settings.as_ref().map(|s| &s.log));
    match cli.command {
        Command::Build {
            app_dir,
            target_dir,
        } => {
            for built in build::build_app(&app_dir, target_dir.as_deref())? {
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
            let settings = settings.expect("read above");
            if args.print_config {
                print!("{}", settings.to_toml());
                return Ok(());
            }
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(serve(&args.app_dir, settings))
        }
        Command::Dev {
            serve: args,
            target_dir,
        } => {
            let settings = settings.expect("read above");
            build::build_app(&args.app_dir, target_dir.as_deref())?;
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async {
                let _sources = dev::watch_sources(&args.app_dir, target_dir)?;
                serve(&args.app_dir, settings).await
            })
        }
        Command::Jobs(args) => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(jobs::run(args))
        }
        Command::Check { app_dir } => {
            let runtime = tokio::runtime::Runtime::new()?;
            let report = runtime.block_on(crate::app::check::check(&app_dir))?;
            print!("{report}");
            if report.has_problems() {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}

async fn serve(app_dir: &Path, settings: Settings) -> anyhow::Result<()> {
    let server = Server::bind(app_dir, settings)
        .await
        .context("cannot start the server")?;
    serve_until_signalled(server).await
}

/// Runs `server` until SIGTERM or SIGINT, then drains it; a second signal
/// ends the drain at once.
pub async fn serve_until_signalled(server: Server) -> anyhow::Result<()> {
    let signals = count_signals().context("cannot install the signal handlers")?;
    let mut first = signals.clone();
    let mut second = signals;
    // The first SIGTERM (or SIGINT) starts the drain; the second ends it.
    let stopped = async move {
        let _ = first.wait_for(|count| *count >= 1).await;
    };
    let forced = async move {
        let _ = second.wait_for(|count| *count >= 2).await;
    };
    server.run_until(stopped, forced).await
}

/// The number of SIGINTs and SIGTERMs received so far.
fn count_signals() -> std::io::Result<tokio::sync::watch::Receiver<u32>> {
    let (count, counted) = tokio::sync::watch::channel(0);
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = term.recv() => {}
                }
                count.send_modify(|count| *count += 1);
            }
        });
    }
    #[cfg(not(unix))]
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            count.send_modify(|count| *count += 1);
        }
    });
    Ok(counted)
}
