//! Client connections of the load generator, spread over several
//! loopback source addresses so that tens of thousands fit in the
//! ephemeral port range.

use crate::servers::JWT_SECRET;
use anyhow::Context;
use futures_util::StreamExt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::Semaphore;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

pub type Ws = WebSocketStream<TcpStream>;

/// Source addresses 127.0.0.1 to 127.0.0.SOURCES; each has its own
/// ephemeral port range toward the server.
const SOURCES: u8 = 8;

/// Connection attempts in flight at once.
const CONNECTING: usize = 256;

/// Opens one connection from source address number `index % SOURCES`,
/// as `user` (a signed token) or anonymously.
pub async fn connect(addr: SocketAddr, index: usize, user: Option<&str>) -> anyhow::Result<Ws> {
    let path = match user {
        Some(user) => format!("/socket?token={}", token(user)),
        None => "/socket".to_owned(),
    };
    connect_to(addr, index, &path).await
}

/// Opens one WebSocket to `path` (with its query) from source address
/// number `index % SOURCES`.
pub async fn connect_to(addr: SocketAddr, index: usize, path: &str) -> anyhow::Result<Ws> {
    let source = Ipv4Addr::new(127, 0, 0, 1 + (index % SOURCES as usize) as u8);
    let socket = TcpSocket::new_v4()?;
    // Earlier runs leave ports in TIME_WAIT; they may be bound again.
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::new(IpAddr::V4(source), 0))?;
    let stream = socket
        .connect(addr)
        .await
        .with_context(|| format!("connecting from {source}"))?;
    stream.set_nodelay(true)?;
    let url = format!("ws://{addr}{path}");
    // Small buffers: tens of thousands of these live in one process.
    let config = WebSocketConfig::default()
        .read_buffer_size(16 << 10)
        .write_buffer_size(0);
    let (ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(config))
        .await
        .context("WebSocket handshake")?;
    Ok(ws)
}

/// Opens `count` connections, at most [`CONNECTING`] at a time, printing
/// progress; `user(i)` names the user of connection `i`.
pub async fn connect_many(
    addr: SocketAddr,
    count: usize,
    first: usize,
    user: impl Fn(usize) -> Option<String>,
) -> anyhow::Result<Vec<Ws>> {
    connect_many_with(Protocol::Switchboard, addr, count, first, user).await
}

/// How a client talks to the server it connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Plain WebSocket frames on `/socket` (Switchboard, Node `ws`, plain).
    Switchboard,
    /// Socket.IO 4 over its websocket transport ([`crate::socketio`]).
    SocketIo,
}

impl Protocol {
    /// Opens one connection and, for Socket.IO, completes its handshake.
    pub async fn connect(
        self,
        addr: SocketAddr,
        index: usize,
        user: Option<&str>,
    ) -> anyhow::Result<Ws> {
        match self {
            Protocol::Switchboard => connect(addr, index, user).await,
            Protocol::SocketIo => crate::socketio::connect(addr, index, user).await,
        }
    }
}

/// [`connect_many`] in `protocol`.
pub async fn connect_many_with(
    protocol: Protocol,
    addr: SocketAddr,
    count: usize,
    first: usize,
    user: impl Fn(usize) -> Option<String>,
) -> anyhow::Result<Vec<Ws>> {
    let gate = Arc::new(Semaphore::new(CONNECTING));
    let mut tasks = Vec::with_capacity(count);
    for i in first..first + count {
        let gate = gate.clone();
        let user = user(i);
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await?;
            protocol.connect(addr, i, user.as_deref()).await
        }));
    }
    let started = Instant::now();
    let mut last = Instant::now();
    let mut sockets = Vec::with_capacity(count);
    for (done, task) in tasks.into_iter().enumerate() {
        sockets.push(task.await??);
        if last.elapsed() > Duration::from_secs(2) {
            last = Instant::now();
            eprintln!(
                "      connected {}/{count} ({:.0}/s)",
                done + 1,
                (done + 1) as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(sockets)
}

/// An HS256 token for `user`, valid for a day.
pub fn token(user: &str) -> String {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        + 86_400;
    let claims = serde_json::json!({ "sub": user, "exp": exp });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("HS256 signing does not fail")
}

/// Keeps a connection open and answers pings until the server closes it.
pub async fn idle(mut ws: Ws) {
    while let Some(Ok(_)) = ws.next().await {}
}
