//! Real Redis and real server processes for the cluster tests: a
//! `redis-server` on a free port in a temporary directory, and
//! `switchboard` nodes as child processes of the test binary (each test
//! file that uses them declares `#[test] fn child_server()` calling
//! [`child_server`]).

use crate::{TempApp, temp_dir};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use switchboard::Settings;

const CHILD_APP: &str = "SWITCHBOARD_CHILD_APP";
const CHILD_SETTINGS: &str = "SWITCHBOARD_CHILD_SETTINGS";

/// A free loopback port (free when asked).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Debian's `redis-server`, on a free port, with no persistence; stopped
/// on drop.
pub struct Redis {
    pub port: u16,
    child: Option<Child>,
    dir: TempApp,
}

impl Redis {
    pub fn start() -> Redis {
        let mut redis = Redis {
            port: free_port(),
            child: None,
            dir: temp_dir("redis"),
        };
        redis.spawn();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir.0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (scripts/setup installs it)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops Redis (SIGKILL: its data is gone).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs the server a [`Node`] asked for, when the test binary was started
/// as one; otherwise returns at once.
pub fn child_server() {
    let (Some(app_dir), Some(settings)) = (
        std::env::var_os(CHILD_APP),
        std::env::var(CHILD_SETTINGS).ok(),
    ) else {
        return;
    };
    let settings: Settings = serde_json::from_str(&settings).unwrap();
    // `NODE_LOG=info cargo test ...` shows the nodes' logs.
    if std::env::var_os("NODE_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_env("NODE_LOG"))
            .with_writer(std::io::stderr)
            .init();
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let server = switchboard::Server::bind(Path::new(&app_dir), settings)
            .await
            .unwrap();
        let admin = server.admin_addr().map_or("-".into(), |a| a.to_string());
        println!(
            "LISTENING {} {admin} {}",
            server.local_addr(),
            server.services().node
        );
        switchboard::cli::serve_until_signalled(server)
            .await
            .unwrap();
    });
}

/// A server in a child process.
pub struct Node {
    child: Child,
    pub addr: SocketAddr,
    pub admin: Option<SocketAddr>,
    pub id: String,
    _data: TempApp,
}

impl Node {
    /// Serves `app_dir` with the test defaults, a data directory of its
    /// own, and `tweak`.
    pub fn start(app_dir: &Path, tweak: impl FnOnce(&mut Settings)) -> Node {
        let data = temp_dir("node-data");
        let mut settings = Settings::for_tests();
        settings.components.cache_dir = Some(crate::guest_target_dir().join("compile-cache"));
        settings.components.watch = false;
        settings.jobs.data_dir = Some(data.0.clone());
        settings.listen.admin = Some("127.0.0.1:0".parse().unwrap());
        settings.connections.drain_window = 0.2;
        tweak(&mut settings);
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_server", "--nocapture", "--test-threads=1"])
            .env(CHILD_APP, app_dir)
            .env(CHILD_SETTINGS, serde_json::to_string(&settings).unwrap())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (addr, admin, id) = (&mut lines)
            .map_while(Result::ok)
            .find_map(|line| {
                let rest = &line[line.find("LISTENING ")? + 10..];
                let mut parts = rest.split_whitespace();
                let addr = parts.next()?.parse().ok()?;
                let admin = parts.next()?.parse().ok();
                Some((addr, admin, parts.next()?.to_owned()))
            })
            .expect("the node prints its addresses");
        // Read on, so that the harness's last lines find the pipe open.
        std::thread::spawn(move || lines.for_each(drop));
        Node {
            child,
            addr,
            admin,
            id,
            _data: data,
        }
    }

    /// Starts a node of the cluster on `redis`.
    pub fn in_cluster(app_dir: &Path, redis: &Redis) -> Node {
        let url = redis.url();
        Node::start(app_dir, |settings| settings.cluster.redis = Some(url))
    }

    pub async fn connect(&self) -> crate::Client {
        crate::connect(self.addr, &[]).await
    }

    /// Connects as `user`, by the `x-user` header of the test apps.
    pub async fn connect_as(&self, user: &str) -> crate::Client {
        crate::connect(self.addr, &[("x-user", user)]).await
    }

    /// SIGKILL: no shutdown, nothing cleaned up.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit by itself.
    pub fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().unwrap()
    }

    /// The status of an admin route, and its body.
    pub async fn admin_get(&self, path: &str) -> (u16, String) {
        let url = format!("http://{}{path}", self.admin.expect("admin routes are on"));
        let response = reqwest::get(url).await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}
