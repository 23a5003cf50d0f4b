//! One WebSocket connection: a reader that routes each frame to a
//! component in turn, beside its writer (`writer`), which drains the
//! outbound queue.

use super::close_code;
use super::codec::{self, Frame};
use super::dispatch::{Caller, handle_frame};
use super::writer::{ABNORMAL, Control, Writing};
use crate::backend::{BackendError, ConnectionId, Link, Outbound, Peer};
use crate::context::Services;
use crate::edge::limits::TokenBucket;
use crate::metrics::{Refusal, Source};
use crate::runtime::bindings::types::User;
use crate::settings::Settings;
use axum::extract::ws::{Message, WebSocket};
use futures_util::StreamExt;
use futures_util::stream::{SplitSink, SplitStream};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tracing::Instrument;

/// How the reader's loop ended.
enum Ending {
    /// The server closes the connection with this code and reason.
    Close(u16, &'static str),
    /// The client closed it (with this code, or 1005 for none), or the
    /// socket failed (1006).
    Peer(u16),
    /// The writer ended it, having sent this close code (or 1006 when
    /// the socket failed).
    Writer(u16),
}

/// What the reader knows about its connection.
struct Connection {
    id: ConnectionId,
    services: Arc<Services>,
    caller: Caller,
    /// When the connection closes with 4001: its user's `expires-at`.
    expiry: Option<Instant>,
}

/// Handed to every connection by the server: a stop signal to watch, and
/// a sender whose drop tells shutdown the connection has finished.
#[derive(Clone)]
pub struct Lifecycle {
    pub stop: watch::Receiver<bool>,
    pub done: mpsc::Sender<()>,
}

/// A connection registered in the hub before its upgrade completes, so
/// that once the client sees `101 Switching Protocols` it is online and
/// nothing sent to it is missed; messages wait in its queue until the
/// socket is served. Dropped without being served, it leaves the hub.
pub struct Registration {
    conn: Connection,
    /// Taken when the socket is served.
    outbound: Option<mpsc::Receiver<Outbound>>,
    link: Arc<Link>,
    span: tracing::Span,
    registered: bool,
}

/// Registers a connection for `user`, from the client at `remote`, in the
/// hub.
pub async fn register(
    services: Arc<Services>,
    user: Option<User>,
    remote: String,
) -> Result<Registration, BackendError> {
    let id: ConnectionId = services.node.next_id('c').into();
    let user_id = user.as_ref().map(|u| u.id.clone());
    let span =
        tracing::info_span!("connection", id = %id, user = user_id.as_deref().unwrap_or("-"));
    let (queue, outbound) = mpsc::channel(services.settings.connections.outbound_queue.max(1));
    let link = Arc::new(Link::new(remote));
    let peer = Peer {
        id: id.clone(),
        user: user_id,
        queue,
        link: link.clone(),
    };
    services.hub.join(peer.clone()).await?;
    services.metrics.connection_opened();
    let expiry = expiry(&services.settings, user.as_ref());
    let user = user.map(Arc::new);
    let caller = Caller {
        scope: services.scope().for_connection(peer, user.clone()),
        user,
    };
    Ok(Registration {
        conn: Connection {
            id,
            services,
            caller,
            expiry,
        },
        outbound: Some(outbound),
        link,
        span,
        registered: true,
    })
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
        lifecycle: Lifecycle,
    ) -> impl Future<Output = ()> + Send + 'static {
        let span = self.span.clone();
        let (sink, stream) = socket.split();
        self.run(sink, stream, lifecycle.stop, lifecycle.done)
            .instrument(span)
    }

    async fn run(
        mut self,
        sink: SplitSink<WebSocket, Message>,
        stream: SplitStream<WebSocket>,
        stop: watch::Receiver<bool>,
        _done: mpsc::Sender<()>,
    ) {
        tracing::info!("connected");
        let (control, control_rx) = watch::channel(Control::default());
        let outbound = self.outbound.take().expect("a registration is served once");
        let writing = Writing {
            outbound,
            control: control_rx,
            link: self.link.clone(),
            metrics: self.conn.services.metrics.clone(),
        };
        let mut writer = tokio::spawn(writing.run(sink).in_current_span());
        let ending = self
            .conn
            .read_loop(stream, &control, stop, &mut writer)
            .await;

        self.leave().await;
        let (close, code) = match ending {
            Ending::Close(code, reason) => (Some((code, reason)), code),
            Ending::Peer(code) | Ending::Writer(code) => (None, code),
        };
        self.conn.services.metrics.connection_closed(code);
        if let Some((code, reason)) = close {
            control.send_modify(|control| control.close = Some((code, reason)));
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
        leave(&self.conn.services, &self.conn.id).await;
        self.registered = false;
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if self.registered {
            // The upgrade failed after registration.
            let (services, id) = (self.conn.services.clone(), self.conn.id.clone());
            tokio::spawn(async move { leave(&services, &id).await });
        }
    }
}

async fn leave(services: &Services, id: &ConnectionId) {
    if let Err(err) = services.hub.leave(id).await {
        tracing::error!(connection = %id, "cannot remove the connection from the hub: {err}");
    }
}

impl Connection {
    /// Reads frames until the peer leaves or the connection must close.
    /// Once the server stops, the connection is served on until its own
    /// moment in the drain window, then closed with 1012.
    async fn read_loop(
        &self,
        mut stream: SplitStream<WebSocket>,
        control: &watch::Sender<Control>,
        mut stop: watch::Receiver<bool>,
        writer: &mut JoinHandle<u16>,
    ) -> Ending {
        let connections = &self.services.settings.connections;
        let (interval, timeout) = (
            connections.keepalive_interval(),
            connections.keepalive_timeout(),
        );
        let mut ping = tokio::time::interval_at(Instant::now() + interval, interval);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let pong_deadline = tokio::time::sleep(Duration::MAX / 4);
        tokio::pin!(pong_deadline);
        let expired = tokio::time::sleep_until(self.expiry.unwrap_or_else(far_future));
        tokio::pin!(expired);
        let drained = tokio::time::sleep(Duration::MAX / 4);
        tokio::pin!(drained);
        let (mut awaiting_pong, mut draining) = (false, *stop.borrow());
        if draining {
            drained.as_mut().reset(self.drain_moment());
        }
        let mut peer_code = ABNORMAL;
        let mut rate = self.services.edge.rate.bucket();
        loop {
            tokio::select! {
                biased;
                // First, so that a client that never stops sending is
                // still closed on time.
                _ = &mut expired, if self.expiry.is_some() => {
                    tracing::info!("token expired; closing");
                    return Ending::Close(close_code::TOKEN_EXPIRED, "token expired");
                }
                _ = &mut drained, if draining => {
                    return Ending::Close(close_code::SERVICE_RESTART, "service restart");
                }
                frame = stream.next() => {
                    awaiting_pong = false;
                    match frame {
                        None => return Ending::Peer(peer_code),
                        Some(Ok(Message::Text(text))) if rate.admit() => self.on_frame(Frame::Text(text)).await,
                        Some(Ok(Message::Binary(bytes))) if rate.admit() => self.on_frame(Frame::Binary(bytes)).await,
                        Some(Ok(Message::Text(_) | Message::Binary(_))) => {
                            if let Some((code, reason)) = self.over_rate(&rate) {
                                return Ending::Close(code, reason);
                            }
                        }
                        // The protocol layer echoes a close before the
                        // stream ends.
                        Some(Ok(Message::Close(frame))) => {
                            peer_code = frame.map_or(1005, |frame| frame.code);
                        }
                        // Pings are answered by the protocol layer.
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                        Some(Err(err)) => return match self.close_for(err) {
                            Some((code, reason)) => Ending::Close(code, reason),
                            None => Ending::Peer(ABNORMAL),
                        },
                    }
                }
                code = &mut *writer => return Ending::Writer(code.unwrap_or(ABNORMAL)),
                _ = stop.changed(), if !draining => {
                    draining = true;
                    drained.as_mut().reset(self.drain_moment());
                }
                _ = &mut pong_deadline, if awaiting_pong => {
                    tracing::info!("no pong within {timeout:?}; closing");
                    return Ending::Close(close_code::GOING_AWAY, "keepalive timeout");
                }
                _ = ping.tick() => {
                    if !awaiting_pong {
                        awaiting_pong = true;
                        pong_deadline.as_mut().reset(Instant::now() + timeout);
                        control.send_modify(|control| control.pings += 1);
                    }
                }
            }
        }
    }

    /// When this connection closes in a drain: a point of the drain
    /// window picked from its id, so that the closes spread evenly.
    fn drain_moment(&self) -> Instant {
        use std::hash::{BuildHasher, Hasher};
        let window = self.services.settings.connections.drain_window();
        let mut hasher = std::hash::RandomState::new().build_hasher();
        hasher.write(self.id.as_bytes());
        let fraction = (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64;
        Instant::now() + window.mul_f64(fraction)
    }
}

impl Connection {
    /// Answers a message refused by the rate limit; closes the connection
    /// of a client that keeps flooding.
    fn over_rate(&self, rate: &TokenBucket) -> Option<(u16, &'static str)> {
        let metrics = &self.services.metrics;
        metrics.refused(Refusal::RateLimited);
        let queued =
            (self.caller.scope).reply(codec::error_reply(&self.services.edge.rate.reason()));
        metrics.sent(Source::Host, false, usize::from(queued));
        if rate.exhausted() {
            tracing::info!("still flooding past the rate limit; closing");
            return Some((close_code::POLICY, "rate limit"));
        }
        None
    }

    /// Handles one frame. The call's future is several KiB (it holds the
    /// component call's); boxing it for the length of the call keeps it
    /// out of every idle connection's task.
    async fn on_frame(&self, frame: Frame) {
        let binary = matches!(frame, Frame::Binary(_));
        self.services.metrics.received(binary);
        Box::pin(handle_frame(&self.services, &self.caller, frame)).await
    }
}

/// When a connection of `user` must close, unless the settings keep
/// expired connections: at its `expires-at` (Unix seconds) plus the JWT
/// leeway. A time already past closes the connection at once.
fn expiry(settings: &Settings, user: Option<&User>) -> Option<Instant> {
    let expires_at = user?.expires_at?;
    if settings.jwt.keep_expired_connections {
        return None;
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let left = Duration::from_secs(expires_at).saturating_sub(now);
    let leeway = Duration::from_secs(settings.jwt.leeway);
    Instant::now().checked_add(left.saturating_add(leeway))
}

/// A deadline that never comes.
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 86_400)
}

impl Connection {
    /// The close frame owed to the client for a read error, if any.
    fn close_for(&self, err: axum::Error) -> Option<(u16, &'static str)> {
        use tungstenite::Error;
        let err = err.into_inner();
        let Some(err) = err.downcast_ref::<Error>() else {
            tracing::debug!("read failed: {err}");
            return None;
        };
        tracing::info!("read failed: {err}");
        let metrics = &self.services.metrics;
        match err {
            Error::Capacity(_) => {
                metrics.refused(Refusal::TooBig);
                Some((close_code::TOO_BIG, "message too big"))
            }
            Error::Utf8(_) => {
                metrics.refused(Refusal::BadUtf8);
                Some((close_code::INVALID_DATA, "invalid UTF-8"))
            }
            Error::Protocol(_) => Some((close_code::PROTOCOL_ERROR, "protocol error")),
            _ => None,
        }
    }
}
