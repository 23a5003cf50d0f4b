//! One WebSocket connection: a reader that routes each frame to a
//! component in turn, and a writer that drains the outbound queue.

use crate::codec::Frame;
use crate::dispatch::{Sender, dispatch, next_id};
use crate::hub::{ConnectionId, Outbound, Peer};
use crate::runtime::bindings::types::User;
use crate::server::Shared;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tracing::Instrument;

/// Close codes the server sends.
pub mod close_code {
    /// The server is shutting down, or the peer stopped answering pings.
    pub const GOING_AWAY: u16 = 1001;
    pub const PROTOCOL_ERROR: u16 = 1002;
    pub const INVALID_DATA: u16 = 1007;
    /// The client did not read fast enough and its outbound queue filled.
    pub const POLICY: u16 = 1008;
    /// A message was larger than `--max-message-size`.
    pub const TOO_BIG: u16 = 1009;
}

/// Most messages written before a flush.
const WRITE_BATCH: usize = 64;

/// Instructions from the reader to the writer.
enum Control {
    Ping,
    Close(u16, &'static str),
}

/// What the reader knows about its connection.
struct Connection {
    id: ConnectionId,
    shared: Arc<Shared>,
    sender: Sender,
}

/// A connection registered in the hub before its upgrade completes, so
/// that once the client sees `101 Switching Protocols` it is online and
/// nothing sent to it is missed; messages wait in its queue until the
/// socket is served. Dropped without being served, it leaves the hub.
pub struct Registration {
    conn: Connection,
    /// Taken when the socket is served.
    outbound: Option<mpsc::Receiver<Outbound>>,
    overflowed: Arc<Notify>,
    span: tracing::Span,
    registered: bool,
}

/// Registers a connection for `user` in the hub.
pub async fn register(shared: Arc<Shared>, user: Option<User>) -> Registration {
    let id: ConnectionId = next_id('c').into();
    let user_id = user.as_ref().map(|u| u.id.clone());
    let span =
        tracing::info_span!("connection", id = %id, user = user_id.as_deref().unwrap_or("-"));
    let (queue, outbound) = mpsc::channel(shared.config.outbound_queue.max(1));
    let overflowed = Arc::new(Notify::new());
    let peer = Peer {
        id: id.clone(),
        user: user_id,
        queue,
        overflowed: overflowed.clone(),
    };
    shared.hub.join(peer).await;
    let sender = Sender {
        connection: id.clone(),
        user,
    };
    Registration {
        conn: Connection { id, shared, sender },
        outbound: Some(outbound),
        overflowed,
        span,
        registered: true,
    }
}

impl Registration {
    /// Serves the upgraded socket until either side closes it or the
    /// server stops. `done` is dropped on return, which shutdown waits for.
    ///
    /// The socket is split before the connection's future is built, so
    /// that the future, which lives as long as the connection, holds two
    /// handles rather than a copy of the whole socket.
    pub fn serve(
        self,
        socket: WebSocket,
        stop: watch::Receiver<bool>,
        done: mpsc::Sender<()>,
    ) -> impl Future<Output = ()> + Send + 'static {
        let span = self.span.clone();
        let (sink, stream) = socket.split();
        self.run(sink, stream, stop, done).instrument(span)
    }

    async fn run(
        mut self,
        sink: SplitSink<WebSocket, Message>,
        stream: SplitStream<WebSocket>,
        stop: watch::Receiver<bool>,
        _done: mpsc::Sender<()>,
    ) {
        tracing::info!("connected");
        let (control, control_rx) = mpsc::channel(4);
        let outbound = self.outbound.take().expect("a registration is served once");
        let overflowed = self.overflowed.clone();
        let mut writer =
            tokio::spawn(write_loop(sink, outbound, control_rx, overflowed).in_current_span());
        let close = self
            .conn
            .read_loop(stream, &control, stop, &mut writer)
            .await;

        self.leave().await;
        if let Some((code, reason)) = close {
            let _ = control.send(Control::Close(code, reason)).await;
        }
        drop(control);
        // The reader may have seen the writer finish (and taken its
        // output) already; otherwise wait, but a peer that reads
        // nothing can block the writer for ever.
        if !writer.is_finished()
            && tokio::time::timeout(Duration::from_secs(5), &mut writer)
                .await
                .is_err()
        {
            writer.abort();
        }
        tracing::info!(close = ?close, "disconnected");
    }
}

impl Registration {
    async fn leave(&mut self) {
        self.conn.shared.hub.leave(&self.conn.id).await;
        self.registered = false;
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if self.registered {
            // The upgrade failed after registration.
            let (hub, id) = (self.conn.shared.hub.clone(), self.conn.id.clone());
            tokio::spawn(async move { hub.leave(&id).await });
        }
    }
}

impl Connection {
    /// Reads frames until the peer leaves or the connection must close;
    /// returns the close frame to send, if any.
    async fn read_loop(
        &self,
        mut stream: SplitStream<WebSocket>,
        control: &mpsc::Sender<Control>,
        mut stop: watch::Receiver<bool>,
        writer: &mut JoinHandle<()>,
    ) -> Option<(u16, &'static str)> {
        let keepalive = self.shared.config.keepalive;
        let mut ping =
            tokio::time::interval_at(Instant::now() + keepalive.interval, keepalive.interval);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let pong_deadline = tokio::time::sleep(Duration::MAX / 4);
        tokio::pin!(pong_deadline);
        let mut awaiting_pong = false;
        loop {
            tokio::select! {
                biased;
                frame = stream.next() => {
                    awaiting_pong = false;
                    match frame {
                        None => return None,
                        Some(Ok(Message::Text(text))) => self.dispatch(Frame::Text(text)).await,
                        Some(Ok(Message::Binary(bytes))) => self.dispatch(Frame::Binary(bytes)).await,
                        // Pings are answered by the protocol layer, and a
                        // close is echoed there before the stream ends.
                        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Close(_))) => {}
                        Some(Err(err)) => return close_for(err),
                    }
                }
                _ = &mut *writer => return None,
                _ = stop.changed() => return Some((close_code::GOING_AWAY, "server shutting down")),
                _ = &mut pong_deadline, if awaiting_pong => {
                    tracing::info!("no pong within {:?}; closing", keepalive.timeout);
                    return Some((close_code::GOING_AWAY, "keepalive timeout"));
                }
                _ = ping.tick() => {
                    if !awaiting_pong {
                        awaiting_pong = true;
                        pong_deadline.as_mut().reset(Instant::now() + keepalive.timeout);
                        let _ = control.send(Control::Ping).await;
                    }
                }
            }
        }
    }
}

impl Connection {
    /// Handles one frame. The call's future is several KiB (it holds the
    /// component call's); boxing it for the length of the call keeps it
    /// out of every idle connection's task.
    async fn dispatch(&self, frame: Frame) {
        Box::pin(dispatch(&self.shared, &self.sender, frame)).await
    }
}

/// Writes queued messages, flushing once per batch, plus pings and the
/// final close frame.
async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut outbound: mpsc::Receiver<Outbound>,
    mut control: mpsc::Receiver<Control>,
    overflowed: Arc<Notify>,
) {
    let mut queue_open = true;
    loop {
        let result = tokio::select! {
            biased;
            instruction = control.recv() => match instruction {
                Some(Control::Ping) => sink.send(Message::Ping(Default::default())).await,
                Some(Control::Close(code, reason)) => {
                    // Deliver what was already queued, then close.
                    while let Ok(message) = outbound.try_recv() {
                        if sink.feed(frame(message)).await.is_err() {
                            break;
                        }
                    }
                    let _ = close(&mut sink, code, reason).await;
                    return;
                }
                None => return,
            },
            _ = overflowed.notified() => return close_overflowed(&mut sink).await,
            message = outbound.recv(), if queue_open => match message {
                // A client that stopped reading blocks this write; the
                // overflow signal must still get through.
                Some(message) => tokio::select! {
                    result = write_batch(&mut sink, &mut outbound, message) => result,
                    _ = overflowed.notified() => return close_overflowed(&mut sink).await,
                },
                None => {
                    queue_open = false;
                    Ok(())
                }
            },
        };
        if result.is_err() {
            return;
        }
    }
}

async fn write_batch(
    sink: &mut SplitSink<WebSocket, Message>,
    outbound: &mut mpsc::Receiver<Outbound>,
    first: Outbound,
) -> Result<(), axum::Error> {
    sink.feed(frame(first)).await?;
    for _ in 1..WRITE_BATCH {
        match outbound.try_recv() {
            Ok(message) => sink.feed(frame(message)).await?,
            Err(_) => break,
        }
    }
    sink.flush().await
}

/// Tries briefly to send 1008; a client that reads nothing will not take
/// it, and dropping the socket then closes the connection anyway.
async fn close_overflowed(sink: &mut SplitSink<WebSocket, Message>) {
    let closing = close(sink, close_code::POLICY, "outbound queue full");
    let _ = tokio::time::timeout(Duration::from_secs(1), closing).await;
}

async fn close(
    sink: &mut SplitSink<WebSocket, Message>,
    code: u16,
    reason: &'static str,
) -> Result<(), axum::Error> {
    sink.send(Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    })))
    .await
}

fn frame(message: Outbound) -> Message {
    match message {
        Outbound::Text(text) => Message::Text(text),
        Outbound::Binary(bytes) => Message::Binary(bytes),
    }
}

/// The close frame owed to the client for a read error, if any.
fn close_for(err: axum::Error) -> Option<(u16, &'static str)> {
    use tungstenite::Error;
    let err = err.into_inner();
    let Some(err) = err.downcast_ref::<Error>() else {
        tracing::debug!("read failed: {err}");
        return None;
    };
    tracing::info!("read failed: {err}");
    match err {
        Error::Capacity(_) => Some((close_code::TOO_BIG, "message too big")),
        Error::Utf8(_) => Some((close_code::INVALID_DATA, "invalid UTF-8")),
        Error::Protocol(_) => Some((close_code::PROTOCOL_ERROR, "protocol error")),
        _ => None,
    }
}
