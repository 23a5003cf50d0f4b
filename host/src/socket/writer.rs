//! A connection's writer: drains its outbound queue to the socket,
//! flushing once per batch, and writes the pings and the close frame the
//! reader asks for, or the one an overflow or an operator calls for.

use super::close_code;
use crate::backend::{Link, Outbound};
use crate::metrics::Metrics;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Most messages written before a flush.
const WRITE_BATCH: usize = 64;

/// What the reader asks of the writer: pings, counted, and at the end
/// the close frame. It is one value in a `watch` rather than a queue, so
/// an idle connection holds no queue block for it, and asking never
/// waits on a writer stuck behind a client that reads nothing.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Control {
    pub pings: u64,
    pub close: Option<(u16, &'static str)>,
}

/// The close code of a socket that ended without a close frame.
pub(super) const ABNORMAL: u16 = 1006;

/// The writer's half of a connection: its queue, the reader's
/// instructions, and the link whose signals close it.
pub(super) struct Writing {
    pub outbound: mpsc::Receiver<Outbound>,
    pub control: watch::Receiver<Control>,
    pub link: Arc<Link>,
    pub metrics: Arc<Metrics>,
}

impl Writing {
    /// Writes queued messages, flushing once per batch, plus pings and
    /// the final close frame. Returns the close code it sent (1006 when
    /// the socket failed first).
    pub async fn run(mut self, mut sink: SplitSink<WebSocket, Message>) -> u16 {
        let (mut queue_open, mut pinged) = (true, 0);
        loop {
            let result = tokio::select! {
                biased;
                changed = self.control.changed() => {
                    // The reader is gone without asking for a close.
                    if changed.is_err() {
                        return ABNORMAL;
                    }
                    let control = *self.control.borrow_and_update();
                    if let Some((code, reason)) = control.close {
                        return self.close_after_queue(&mut sink, code, reason.into()).await;
                    }
                    match control.pings == pinged {
                        true => Ok(()),
                        false => {
                            pinged = control.pings;
                            sink.send(Message::Ping(Default::default())).await
                        }
                    }
                }
                _ = self.link.overflowed.notified() => return self.close_overflowed(&mut sink).await,
                (code, reason) = self.link.closed() => {
                    tracing::info!(code, reason, "closed by an operator");
                    return self.close_after_queue(&mut sink, code, reason).await;
                }
                message = self.outbound.recv(), if queue_open => match message {
                    // A client that stopped reading blocks this write; the
                    // overflow signal must still get through.
                    Some(message) => tokio::select! {
                        result = write_batch(&mut sink, &mut self.outbound, message) => result,
                        _ = self.link.overflowed.notified() => return self.close_overflowed(&mut sink).await,
                    },
                    None => {
                        queue_open = false;
                        Ok(())
                    }
                },
            };
            if result.is_err() {
                return ABNORMAL;
            }
        }
    }

    /// Delivers what was already queued, then closes.
    async fn close_after_queue(
        &mut self,
        sink: &mut SplitSink<WebSocket, Message>,
        code: u16,
        reason: String,
    ) -> u16 {
        while let Ok(message) = self.outbound.try_recv() {
            if sink.feed(frame(message)).await.is_err() {
                return ABNORMAL;
            }
        }
        match close(sink, code, reason).await {
            Ok(()) => code,
            Err(_) => ABNORMAL,
        }
    }

    /// Tries briefly to send 1008; a client that reads nothing will not
    /// take it, and dropping the socket then closes the connection anyway.
    async fn close_overflowed(&self, sink: &mut SplitSink<WebSocket, Message>) -> u16 {
        self.metrics.slow_consumer();
        let closing = close(sink, close_code::POLICY, "outbound queue full".into());
        let _ = tokio::time::timeout(Duration::from_secs(1), closing).await;
        close_code::POLICY
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

async fn close(
    sink: &mut SplitSink<WebSocket, Message>,
    code: u16,
    reason: String,
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
