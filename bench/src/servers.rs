//! The servers under test, each started as its own process pinned to the
//! server core, so that its /proc figures are its own.

use crate::procstat;
use anyhow::Context;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The secret of the HS256 tokens the load generator signs.
pub const JWT_SECRET: &str = "switchboard-bench-secret";

/// The log filter of the Switchboard servers: the default `info`, less
/// the built-in per-message access log (target `switchboard::messages`),
/// since the other servers log nothing per message. The access-log
/// scenario measures what it costs.
pub const SERVER_LOG: &str = "info,switchboard::messages=warn";

/// `RUST_LOG` with Switchboard's defaults: the access log on.
pub const DEFAULT_LOG: &str = "info";

/// Which server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Switchboard calling the bench app's components, a fresh instance
    /// per call.
    Wasm,
    /// Switchboard serving bench/warm: the same Rust echo from warm
    /// instances, reused from call to call.
    #[serde(rename = "wasm-warm")]
    WasmWarm,
    /// Switchboard with the `bench-native` handlers: same routing, hub,
    /// queues and sockets, no component call.
    Native,
    /// Node with the `ws` package (bench/node).
    Node,
    /// Switchboard serving bench/js: the JavaScript echo of
    /// bench/js/logic.mjs, a fresh instance per call.
    Js,
    /// The same JavaScript echo from warm instances (bench/js-warm).
    #[serde(rename = "js-warm")]
    JsWarm,
    /// Node with `ws` running bench/js/logic.mjs (bench/node/js-echo.mjs):
    /// the JavaScript echo without Switchboard.
    #[serde(rename = "node-js")]
    NodeJs,
    /// A Socket.IO 4 cluster node on `@socket.io/redis-adapter`
    /// (bench/node/socketio.js), for the cross-node fan-out.
    #[serde(rename = "socketio")]
    SocketIo,
    /// A bare tokio-tungstenite echo loop with default settings.
    Plain,
    /// `wasmtime serve` running the bench app's `api/hello.wasm`, with its
    /// defaults (no fuel, no epoch interruption).
    Wasmtime,
    /// The same with Switchboard's default limits:
    /// [`WASMTIME_LIMIT_FLAGS`].
    #[serde(rename = "wasmtime-limits")]
    WasmtimeLimits,
}

/// `wasmtime serve` flags for a like-for-like row: Switchboard's default
/// fuel per call (500 million) and wall-clock limit (10 s, which turns
/// on epoch interruption and wasmtime's epoch ticker thread).
pub const WASMTIME_LIMIT_FLAGS: [&str; 4] = ["-W", "fuel=500000000", "-W", "timeout=10s"];

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Wasm => "wasm",
            Kind::WasmWarm => "wasm-warm",
            Kind::Native => "native",
            Kind::Node => "node",
            Kind::Js => "js",
            Kind::JsWarm => "js-warm",
            Kind::NodeJs => "node-js",
            Kind::SocketIo => "socketio",
            Kind::Plain => "plain",
            Kind::Wasmtime => "wasmtime",
            Kind::WasmtimeLimits => "wasmtime-limits",
        }
    }
}

/// Where the programs are; found or built by `setup`.
#[derive(Debug, Clone)]
pub struct Programs {
    /// `switchboard` built with the `bench-native` feature.
    pub switchboard: PathBuf,
    pub app_dir: PathBuf,
    /// `bench/warm`, the bench app's echo declared warm.
    pub warm_dir: PathBuf,
    /// `bench/js` and `bench/js-warm`, when the JavaScript SDK could
    /// build them.
    pub js_dirs: Option<JsApps>,
    /// `bench/node`, when node and its packages are there.
    pub node_dir: Option<PathBuf>,
    /// This program, which serves the plain echo loop.
    pub bench: PathBuf,
    /// `wasmtime` 48.0.8 (the CLI), when found.
    pub wasmtime: Option<PathBuf>,
    /// Flags added to every `switchboard serve`.
    pub serve_args: Vec<String>,
    /// Server logs go here.
    pub log_dir: PathBuf,
    /// The core servers are pinned to, if pinning is possible.
    pub server_core: Option<usize>,
}

/// The JavaScript echo apps, built by `setup`.
#[derive(Debug, Clone)]
pub struct JsApps {
    pub fresh: PathBuf,
    pub warm: PathBuf,
}

/// A running server; stopped on drop.
pub struct Running {
    pub kind: Kind,
    pub addr: SocketAddr,
    pub pid: u32,
    child: Child,
}

impl Programs {
    /// Starts a server of `kind` with extra `switchboard serve` flags (for
    /// [`Kind::SocketIo`], the Redis URL), and waits until it accepts
    /// connections.
    pub fn start(&self, kind: Kind, extra: &[&str]) -> anyhow::Result<Running> {
        self.start_logging(kind, extra, SERVER_LOG)
    }

    /// [`Programs::start`] with `rust_log` as a Switchboard server's
    /// `RUST_LOG` (the others ignore it).
    pub fn start_logging(
        &self,
        kind: Kind,
        extra: &[&str],
        rust_log: &str,
    ) -> anyhow::Result<Running> {
        let addr = free_port()?;
        let listen = addr.to_string();
        let mut command = match kind {
            Kind::Wasm | Kind::WasmWarm | Kind::Native | Kind::Js | Kind::JsWarm => {
                let mut command = Command::new(&self.switchboard);
                command
                    .arg("serve")
                    .arg(self.app_of(kind)?)
                    .args(["--listen", &listen, "--no-watch"])
                    .args(["--jwt-secret", JWT_SECRET, "--allow-anonymous"])
                    // The load generator sends as fast as replies come, and
                    // opens thousands of connections from each of its
                    // few source addresses.
                    .args(["--message-rate", "0", "--max-connections-per-ip", "0"])
                    // The default total cap is below the open-file limit,
                    // which the idle scenario goes up to.
                    .args(["--max-connections", "1000000"])
                    .args(&self.serve_args)
                    .args(extra)
                    .env("RUST_BACKTRACE", "0")
                    .env("RUST_LOG", rust_log);
                if kind == Kind::Native {
                    command.arg("--bench-native-handlers");
                }
                command
            }
            Kind::Node => {
                let dir = self.node_dir.as_ref().context("node is not available")?;
                let mut command = Command::new("node");
                command
                    .arg(dir.join("server.js"))
                    .arg(addr.port().to_string())
                    .arg(JWT_SECRET);
                command
            }
            Kind::NodeJs => {
                let dir = self.node_dir.as_ref().context("node is not available")?;
                let mut command = Command::new("node");
                command
                    .arg(dir.join("js-echo.mjs"))
                    .arg(addr.port().to_string());
                command
            }
            Kind::SocketIo => {
                let dir = self.node_dir.as_ref().context("node is not available")?;
                let redis = extra
                    .first()
                    .context("a Socket.IO node needs a Redis URL")?;
                let mut command = Command::new("node");
                command
                    .arg(dir.join("socketio.js"))
                    .arg(addr.port().to_string())
                    .arg(redis)
                    .arg(JWT_SECRET);
                command
            }
            Kind::Plain => {
                let mut command = Command::new(&self.bench);
                command.args(["plain-echo", "--listen", &listen]);
                command
            }
            Kind::Wasmtime | Kind::WasmtimeLimits => {
                let wasmtime = self
                    .wasmtime
                    .as_ref()
                    .context("wasmtime is not available")?;
                let mut command = Command::new(wasmtime);
                // `-S cli`: the WASI CLI imports (environment, clocks,
                // random) that Rust's std links and Switchboard provides.
                command.args(["serve", "-S", "cli", "--addr", &listen]);
                if kind == Kind::WasmtimeLimits {
                    command.args(WASMTIME_LIMIT_FLAGS);
                }
                command.args(extra).arg(self.hello_wasm());
                command
            }
        };
        // Named by port too: a cluster runs several servers of a kind.
        let log = std::fs::File::create(self.log_dir.join(format!(
            "{}-{}.log",
            kind.name(),
            addr.port()
        )))?;
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        if let Some(core) = self.server_core {
            // SAFETY: between fork and exec only the affinity syscall runs.
            unsafe {
                command.pre_exec(move || procstat::pin_to_core(core));
            }
        }
        let child = command
            .spawn()
            .with_context(|| format!("starting the {} server", kind.name()))?;
        let mut running = Running {
            kind,
            addr,
            pid: child.id(),
            child,
        };
        running.wait_ready()?;
        Ok(running)
    }
}

impl Programs {
    /// Whether the programs `kind` needs were found or built.
    pub fn has(&self, kind: Kind) -> bool {
        match kind {
            Kind::Node | Kind::NodeJs | Kind::SocketIo => self.node_dir.is_some(),
            Kind::Js | Kind::JsWarm => self.js_dirs.is_some(),
            Kind::Wasmtime | Kind::WasmtimeLimits => self.wasmtime.is_some(),
            Kind::Wasm | Kind::WasmWarm | Kind::Native | Kind::Plain => true,
        }
    }

    /// The app a Switchboard server of `kind` serves.
    fn app_of(&self, kind: Kind) -> anyhow::Result<&Path> {
        let js = || {
            self.js_dirs
                .as_ref()
                .context("the JavaScript apps were not built")
        };
        Ok(match kind {
            Kind::WasmWarm => &self.warm_dir,
            Kind::Js => &js()?.fresh,
            Kind::JsWarm => &js()?.warm,
            _ => &self.app_dir,
        })
    }

    /// The HTTP scenario's component, served by every HTTP server.
    pub fn hello_wasm(&self) -> PathBuf {
        self.app_dir.join("api").join("hello.wasm")
    }
}

impl Running {
    fn wait_ready(&mut self) -> anyhow::Result<()> {
        let started = Instant::now();
        while TcpStream::connect(self.addr).is_err() {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!("the {} server exited with {status}", self.kind.name());
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(120),
                "the {} server did not listen within 120 s",
                self.kind.name()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // SIGTERM first, so Switchboard closes its connections cleanly.
        // SAFETY: kill with a pid we own and a valid signal.
        unsafe { libc::kill(self.pid as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(8);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback address with a port nothing listens on right now.
pub fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

/// A `redis-server` of the run's own, on a free port with a scratch
/// directory and no persistence, pinned like the servers; stopped (and
/// its directory removed) on drop.
pub struct Redis {
    pub port: u16,
    pub pid: u32,
    dir: PathBuf,
    child: Child,
}

impl Redis {
    pub fn start(log_dir: &std::path::Path, core: Option<usize>) -> anyhow::Result<Redis> {
        let port = free_port()?.port();
        let dir = log_dir.join(format!("redis-{port}"));
        std::fs::create_dir_all(&dir)?;
        let log = std::fs::File::create(log_dir.join(format!("redis-{port}.log")))?;
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        if let Some(core) = core {
            // SAFETY: between fork and exec only the affinity syscall runs.
            unsafe {
                command.pre_exec(move || procstat::pin_to_core(core));
            }
        }
        let child = command
            .spawn()
            .context("starting redis-server (Debian package redis-server)")?;
        let mut redis = Redis {
            port,
            pid: child.id(),
            dir,
            child,
        };
        let started = Instant::now();
        while redis.cli(&["PING"]).is_err() {
            if let Some(status) = redis.child.try_wait()? {
                anyhow::bail!("redis-server exited with {status}");
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(20),
                "redis-server did not answer within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(redis)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The output of `redis-cli -p PORT ARGS...`.
    pub fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .context("running redis-cli (Debian package redis-tools)")?;
        anyhow::ensure!(out.status.success(), "redis-cli {args:?} failed");
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Commands Redis has processed so far (`INFO stats`,
    /// `total_commands_processed`). It counts every earlier `INFO` too,
    /// one per call.
    pub fn commands(&self) -> anyhow::Result<u64> {
        let info = self.cli(&["INFO", "stats"])?;
        info.lines()
            .find_map(|line| line.strip_prefix("total_commands_processed:"))
            .context("no total_commands_processed in INFO stats")?
            .trim()
            .parse()
            .context("malformed total_commands_processed")
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        // SAFETY: kill with a pid we own and a valid signal.
        unsafe { libc::kill(self.pid as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
