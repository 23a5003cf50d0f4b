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
use switchboard::context::Services;
use switchboard::{Server, Settings};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
pub use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub mod cluster;

/// How long a test waits for a message it expects.
pub const RECV_TIMEOUT: Duration = Duration::from_secs(10);

/// The time now in Unix seconds, as tokens and `expires-at` count it.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Test JWTs: the shared secret, and tokens signed with it or with a
/// fixture RSA key from `tests/fixtures/jwt`.
pub mod tokens {
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    use serde_json::Value;

    /// The HS256 secret the JWT tests configure.
    pub const SECRET: &str = "test-secret-please-change";

    /// `claims` signed with HS256 and `secret`.
    pub fn hs256(claims: &Value, secret: &str) -> String {
        let key = EncodingKey::from_secret(secret.as_bytes());
        encode(&Header::new(Algorithm::HS256), claims, &key).unwrap()
    }

    /// `claims` signed with RS256 by the fixture private key in `file`,
    /// with `kid` in the header.
    pub fn rs256(claims: &Value, file: &str, kid: Option<&str>) -> String {
        let pem = std::fs::read(super::repo_root().join("tests/fixtures/jwt").join(file)).unwrap();
        let mut header = Header::new(Algorithm::RS256);
        header.kid = kid.map(String::from);
        encode(&header, claims, &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap()
    }
}

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
        switchboard::cli::build::build_app(&dir, Some(&guest_target_dir()))
            .unwrap_or_else(|err| panic!("building {app}: {err:#}"));
        built.push(app.to_owned());
    }
    dir
}

/// A temporary app holding some of another app's built components, for
/// route tables a test needs on its own. `files` are paths under
/// `socket/`, each copied to the same path.
pub fn app_subset(app_dir: &Path, files: &[&str]) -> TempApp {
    let dir = temp_dir("app");
    for file in files {
        let dest = dir.0.join("socket").join(file);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(app_dir.join("socket").join(file), dest).unwrap();
    }
    std::fs::create_dir_all(dir.0.join("socket")).unwrap();
    dir
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A fresh, empty temporary folder, removed on drop.
pub fn temp_dir(what: &str) -> TempApp {
    let dir = std::env::temp_dir().join(format!(
        "switchboard-test-{what}-{}-{}",
        std::process::id(),
        unique()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    TempApp(dir)
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
    /// The server's services, to look at what it loaded.
    pub services: Arc<Services>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    /// The job queue's data directory, unless the test chose one.
    _data: TempApp,
}

impl TestServer {
    /// Serves `app_dir` with test-friendly defaults, adjusted by `tweak`.
    pub async fn start(app_dir: &Path, tweak: impl FnOnce(&mut Settings)) -> TestServer {
        let mut settings = Settings::for_tests();
        settings.components.cache_dir = Some(guest_target_dir().join("compile-cache"));
        // Each server its own job queue, so tests sharing an app do not
        // share (or lock each other out of) its data directory.
        let data = temp_dir("data");
        settings.jobs.data_dir = Some(data.0.clone());
        // Stopping drains over a fifth of a second, not ten.
        settings.connections.drain_window = 0.2;
        tweak(&mut settings);
        let server = Server::bind(app_dir, settings)
            .await
            .expect("server starts");
        let addr = server.local_addr();
        let services = server.services().clone();
        let admin = server.admin_addr();
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(server.run(async move {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            admin,
            services,
            stop: Some(stop),
            task: Some(task),
            _data: data,
        }
    }

    /// Serves `tests/apps/basic` with the test defaults.
    pub async fn basic() -> TestServer {
        TestServer::basic_with(|_| {}).await
    }

    /// Serves `tests/apps/basic` with the test defaults, adjusted by `tweak`.
    pub async fn basic_with(tweak: impl FnOnce(&mut Settings)) -> TestServer {
        TestServer::start(&app("tests/apps/basic"), tweak).await
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("ws://{}{}", self.addr, path_and_query)
    }

    /// Connects anonymously to `/socket`.
    pub async fn connect(&self) -> Client {
        self.connect_with("/socket", &[]).await
    }

    /// Connects to `/socket` as `user`, by the `x-user` header that
    /// `tests/apps/basic` and `tests/apps/hooks` authenticate by.
    pub async fn connect_as(&self, user: &str) -> Client {
        self.connect_with("/socket", &[("x-user", user)]).await
    }

    /// Tries to connect to `path_and_query` and returns the refusal's status
    /// and JSON body (null when it has none); panics if the upgrade succeeds.
    pub async fn connect_refused(&self, path_and_query: &str) -> (u16, Value) {
        match tokio_tungstenite::connect_async(self.url(path_and_query)).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                let body = match response.body().as_deref() {
                    Some(bytes) => serde_json::from_slice(bytes).unwrap_or_else(|err| {
                        panic!(
                            "a JSON refusal body: {err}: {}",
                            String::from_utf8_lossy(bytes)
                        )
                    }),
                    None => Value::Null,
                };
                (response.status().as_u16(), body)
            }
            other => panic!(
                "expected a refusal, got {:?}",
                other.map(|_| "a connection")
            ),
        }
    }

    /// Connects to `path_and_query` with extra request headers.
    pub async fn connect_with(&self, path_and_query: &str, headers: &[(&str, &str)]) -> Client {
        connect_to(&self.url(path_and_query), headers).await
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

/// Connects to `/socket` of a server at `addr`, with extra headers.
pub async fn connect(addr: SocketAddr, headers: &[(&str, &str)]) -> Client {
    connect_to(&format!("ws://{addr}/socket"), headers).await
}

/// Connects to a WebSocket URL.
pub async fn connect_url(url: &str) -> Client {
    connect_to(url, &[]).await
}

async fn connect_to(url: &str, headers: &[(&str, &str)]) -> Client {
    let mut request = url.into_client_request().unwrap();
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

/// The text of `value["error"]`; panics, showing `value`, when there is none.
pub fn error_text(value: &Value) -> &str {
    value["error"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error, got {value}"))
}

/// Asserts that `reply` is `{"error": "..."}` with `needle` in its text.
pub fn assert_error(reply: &Value, needle: &str) {
    assert!(
        reply.as_object().is_some_and(|fields| fields.len() == 1),
        "expected {{\"error\": ...}} alone, got {reply}"
    );
    let error = error_text(reply);
    assert!(
        error.contains(needle),
        "expected {needle:?} in the error {error:?}"
    );
}

/// The first of `tests/apps/hooks`' observer events from `hook`; panics
/// listing the events when there is none.
pub fn hook_event<'a>(events: &'a [Value], hook: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["hook"] == serde_json::json!(hook))
        .unwrap_or_else(|| panic!("a {hook:?} hook event among {events:?}"))
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
    /// The next JSON message that has `key`, skipping others; panics after
    /// 20 s without one.
    pub async fn next_with(&mut self, key: &str) -> Value {
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let message = self.recv_json().await;
                if message.get(key).is_some() {
                    return message;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no message with `{key}` within 20 s"))
    }

    pub async fn ask(&mut self, value: Value) -> Value {
        self.send_json(value).await;
        self.recv_json().await
    }

    /// Asks `message` every 20 ms until `done` holds for the reply, which it
    /// returns; panics with the last reply after five seconds.
    pub async fn ask_until(&mut self, message: Value, done: impl Fn(&Value) -> bool) -> Value {
        let started = tokio::time::Instant::now();
        loop {
            let reply = self.ask(message.clone()).await;
            if done(&reply) {
                return reply;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "no awaited reply to {message} in 5s; the last was {reply}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for a close frame and asserts that its code is `code`.
    pub async fn expect_close(&mut self, code: u16) {
        match self.recv().await {
            Message::Close(Some(frame)) => assert_eq!(u16::from(frame.code), code),
            other => panic!("expected a close frame with {code}, got {other:?}"),
        }
    }

    /// Sends `frame` and asserts that the next message is the same frame.
    pub async fn expect_echo(&mut self, frame: Message) {
        self.send(frame.clone()).await;
        assert_eq!(self.recv().await, frame, "the frame comes back as sent");
    }

    /// Has `tests/apps/basic`'s `send` route send `message` back to this
    /// connection and asserts that it arrives as the reply.
    pub async fn expect_round_trip(&mut self, message: Value) {
        let reply = self
            .ask(serde_json::json!({"action": "send", "message": message}))
            .await;
        assert_eq!(reply, message, "the send route answers with the message");
    }

    /// Has `tests/apps/basic`'s `sendto` route send `message` to `users`
    /// and asserts that it answers ok.
    pub async fn send_to(&mut self, users: &[&str], message: Value) {
        let reply = self
            .ask(serde_json::json!({"action": "sendto", "users": users, "message": message}))
            .await;
        assert_eq!(reply, serde_json::json!({"sendTo": "ok"}));
    }

    /// What the `online` route of `tests/apps/basic` (or `tests/apps/hooks`)
    /// says about `user`; panics unless it answers with a boolean.
    pub async fn is_online(&mut self, user: &str) -> bool {
        let reply = self
            .ask(serde_json::json!({"action": "online", "user": user}))
            .await;
        reply["online"]
            .as_bool()
            .unwrap_or_else(|| panic!("an online reply: {reply}"))
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

    /// Skips data frames until the server's close frame, and returns its
    /// code and reason; panics after [`RECV_TIMEOUT`] without one.
    pub async fn recv_close(&mut self) -> (u16, String) {
        loop {
            match self.recv().await {
                Message::Close(Some(frame)) => {
                    return (u16::from(frame.code), frame.reason.to_string());
                }
                Message::Close(None) => panic!("a close frame without a code"),
                _ => continue,
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
