//! Harness for the end-to-end tests: builds the test apps' components
//! from source, runs a real server on a loopback port, and talks to it
//! with real WebSocket clients.

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use switchboard::server::Shared;
use switchboard::{Server, ServerConfig};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
pub use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for a message it expects.
pub const RECV_TIMEOUT: Duration = Duration::from_secs(10);

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"))
}

/// Where the tests build guest crates.
pub fn guest_target_dir() -> PathBuf {
    target_dir().join("guests")
}

/// Builds an app's guest crates (once per test process) and returns its
/// folder. `app` is relative to the repository root.
pub fn app(app: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    let dir = repo_root().join(app);
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap();
    if !built.iter().any(|a| a == app) {
        switchboard::guest_build::build_app(&dir, Some(&guest_target_dir()))
            .unwrap_or_else(|err| panic!("building {app}: {err:#}"));
        built.push(app.to_owned());
    }
    dir
}

/// A temporary app holding some of another app's built components, for
/// route tables a test needs on its own. `files` are paths under
/// `socket/`, each copied to the same path.
pub fn app_subset(app_dir: &Path, files: &[&str]) -> TempApp {
    let dir = std::env::temp_dir().join(format!(
        "switchboard-test-{}-{}",
        std::process::id(),
        unique()
    ));
    for file in files {
        let dest = dir.join("socket").join(file);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(app_dir.join("socket").join(file), dest).unwrap();
    }
    std::fs::create_dir_all(dir.join("socket")).unwrap();
    TempApp(dir)
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A folder removed on drop.
pub struct TempApp(pub PathBuf);

impl Drop for TempApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server on a loopback port, shut down on drop.
pub struct TestServer {
    pub addr: SocketAddr,
    /// The admin listener, when the config turned it on.
    pub admin: Option<SocketAddr>,
    /// The server's state, to look at what it loaded.
    pub shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestServer {
    /// Serves `app_dir` with test-friendly defaults, adjusted by `tweak`.
    pub async fn start(app_dir: &Path, tweak: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let mut config = ServerConfig::new(app_dir);
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.cache_dir = Some(guest_target_dir().join("compile-cache"));
        tweak(&mut config);
        let server = Server::bind(config).await.expect("server starts");
        let addr = server.local_addr();
        let shared = server.shared().clone();
        let admin = server.admin_addr();
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(server.run(async move {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            admin,
            shared,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("ws://{}{}", self.addr, path_and_query)
    }

    /// Connects anonymously to `/socket`.
    pub async fn connect(&self) -> Client {
        self.connect_with("/socket", &[]).await
    }

    /// Connects to `path_and_query` with extra request headers.
    pub async fn connect_with(&self, path_and_query: &str, headers: &[(&str, &str)]) -> Client {
        let mut request = self.url(path_and_query).into_client_request().unwrap();
        for (name, value) in headers {
            request.headers_mut().insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket connects");
        Client { ws }
    }

    /// Asks the server to stop and waits for it.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await?
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A plain HTTP/1.1 GET; returns the whole response, head and body.
pub async fn http_get(addr: SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

/// Everything the tracing subscriber of this test process writes, once
/// [`capture_logs`] has installed it.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    /// The captured lines that contain every one of `needles`.
    pub fn lines_with(&self, needles: &[&str]) -> Vec<String> {
        let text = String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned();
        text.lines()
            .filter(|line| needles.iter().all(|n| line.contains(n)))
            .map(str::to_owned)
            .collect()
    }
}

/// Installs (once per process) a subscriber that captures all logs.
pub fn capture_logs() -> LogCapture {
    static CAPTURE: OnceLock<LogCapture> = OnceLock::new();
    CAPTURE
        .get_or_init(|| {
            let capture = LogCapture::default();
            let writer = capture.clone();
            tracing_subscriber::fmt()
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .init();
            capture
        })
        .clone()
}

/// A WebSocket client.
pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    pub async fn send_json(&mut self, value: Value) {
        self.ws
            .send(Message::text(value.to_string()))
            .await
            .unwrap();
    }

    pub async fn send(&mut self, message: Message) {
        self.ws.send(message).await.unwrap();
    }

    /// The next data or close frame; panics after [`RECV_TIMEOUT`].
    pub async fn recv(&mut self) -> Message {
        loop {
            let next = tokio::time::timeout(RECV_TIMEOUT, self.ws.next())
                .await
                .expect("a message within the timeout");
            match next {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(message)) => return message,
                Some(Err(err)) => panic!("websocket error: {err}"),
                None => panic!("connection ended"),
            }
        }
    }

    /// The next message, parsed as JSON from a text frame.
    pub async fn recv_json(&mut self) -> Value {
        match self.recv().await {
            Message::Text(text) => serde_json::from_str(&text).expect("a JSON message"),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// Sends a message and returns the first reply.
    pub async fn ask(&mut self, value: Value) -> Value {
        self.send_json(value).await;
        self.recv_json().await
    }

    /// Asks `tests/apps/basic`'s `online` route about `user` until it says
    /// offline, for up to five seconds. Returns whether it did.
    pub async fn wait_until_offline(&mut self, user: &str) -> bool {
        for _ in 0..100 {
            let reply = self
                .ask(serde_json::json!({"action": "online", "user": user}))
                .await;
            if reply["online"] == serde_json::json!(false) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Every JSON message that arrives until none has for `quiet`.
    pub async fn drain(&mut self, quiet: Duration) -> Vec<Value> {
        let mut messages = Vec::new();
        let mut deadline = tokio::time::Instant::now() + quiet;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) | Ok(None) => return messages,
                Ok(Some(Ok(Message::Text(text)))) => {
                    messages.push(serde_json::from_str(&text).expect("JSON"));
                    deadline = tokio::time::Instant::now() + quiet;
                }
                // Pings do not count as traffic.
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(err))) => panic!("websocket error: {err}"),
            }
        }
    }

    /// Asserts that nothing but pings arrives for `wait`.
    pub async fn expect_silence(&mut self, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return,
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                Ok(other) => panic!("expected silence, got {other:?}"),
            }
        }
    }
}
