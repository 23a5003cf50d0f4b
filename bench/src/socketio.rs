//! The smallest Socket.IO 4 client the cross-node fan-out needs: the
//! websocket transport only (no HTTP long-polling, no upgrade), the main
//! namespace `/`, events without acknowledgements.
//!
//! Engine.IO v4 over a WebSocket is one packet per text frame, its type
//! the first character: `0` open (JSON with `sid`, `pingInterval`, ...),
//! `2` ping, `3` pong, `4` message. A Socket.IO packet rides in a `4`:
//! `40` connects to `/` (answered `40{"sid":...}`, or `44{...}` when the
//! server's middleware refuses), `42["event",data]` is an event. In v4
//! the server pings and the client answers each `2` with `3`, or is
//! dropped after `pingInterval + pingTimeout`.
//!
//! A user is named as the bench's Switchboard clients are: an HS256
//! token in the `token` query parameter (bench/node/socketio.js checks
//! it); without one the connection is anonymous.

use crate::client::{Ws, connect_to, token};
use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Opens a websocket-transport connection from source address number
/// `index`, as `user` or anonymously, and connects it to namespace `/`.
pub async fn connect(addr: SocketAddr, index: usize, user: Option<&str>) -> anyhow::Result<Ws> {
    let mut path = "/socket.io/?EIO=4&transport=websocket".to_owned();
    if let Some(user) = user {
        path += &format!("&token={}", token(user));
    }
    let mut ws = connect_to(addr, index, &path).await?;
    let open = next_text(&mut ws).await?;
    anyhow::ensure!(
        open.starts_with("0{") && open.contains("\"pingInterval\""),
        "expected an Engine.IO open packet, got {open:?}"
    );
    ws.send(Message::text("40")).await?;
    loop {
        let reply = next_text(&mut ws).await?;
        match reply.as_bytes() {
            [b'4', b'0', ..] => return Ok(ws),
            [b'4', b'4', ..] => anyhow::bail!("the server refused the connection: {reply}"),
            [b'2'] => ws.send(Message::text("3")).await?,
            _ => anyhow::bail!("expected a Socket.IO connect packet, got {reply:?}"),
        }
    }
}

/// The frame of event `name` carrying `data`: `42["name",data]`.
pub fn event(name: &str, data: &serde_json::Value) -> Message {
    Message::text(format!("42{}", serde_json::json!([name, data])))
}

/// Reads events until the server closes the connection, answering its
/// pings; `on_event` gets each whole `42[...]` frame.
pub async fn receive(mut ws: Ws, mut on_event: impl FnMut(&str)) {
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let ping = match text.as_bytes() {
            [b'4', b'2', ..] => {
                on_event(&text);
                false
            }
            [b'2'] => true,
            _ => false,
        };
        if ping && ws.send(Message::text("3")).await.is_err() {
            return;
        }
    }
}

/// The next text frame, within 30 s.
async fn next_text(ws: &mut Ws) -> anyhow::Result<String> {
    loop {
        let next = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .context("no Socket.IO packet within 30 s")?;
        match next {
            Some(Ok(Message::Text(text))) => return Ok(text.to_string()),
            Some(Ok(_)) => continue,
            Some(Err(err)) => return Err(err.into()),
            None => anyhow::bail!("the server closed the connection during the handshake"),
        }
    }
}
