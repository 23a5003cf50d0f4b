//! Sends a guest's stdout and stderr to the host's log, one event per
//! line, tagged with the component, within a per-call allowance of bytes
//! and lines. Past it, output is dropped, and one line at the end of the
//! call says how much.

use bytes::Bytes;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError};

/// A line longer than this is logged in pieces.
const MAX_LINE: usize = 16 << 10;

#[derive(Clone, Copy, Debug)]
enum Stream {
    Stdout,
    Stderr,
}

/// What one call may still write to the log, shared by its two streams.
#[derive(Debug)]
struct Allowance {
    component: Arc<str>,
    bytes: usize,
    lines: usize,
    dropped_bytes: usize,
    dropped_lines: usize,
}

impl Allowance {
    /// Logs what was dropped, if anything, and starts counting afresh.
    fn report(&mut self) {
        if self.dropped_bytes > 0 {
            tracing::warn!(
                target: "guest",
                component = %self.component,
                dropped_bytes = self.dropped_bytes,
                dropped_lines = self.dropped_lines,
                "output past the per-call cap was dropped ({} bytes in {} lines)",
                self.dropped_bytes,
                self.dropped_lines,
            );
        }
        self.dropped_bytes = 0;
        self.dropped_lines = 0;
    }
}

impl Drop for Allowance {
    fn drop(&mut self) {
        self.report();
    }
}

/// The output streams of one call (or of each call of a warm instance).
#[derive(Clone)]
pub struct GuestOutput {
    allowance: Arc<Mutex<Allowance>>,
    /// The allowance each call starts with.
    cap: (usize, usize),
}

impl GuestOutput {
    /// Output of `component` capped at `bytes` and `lines` per call.
    pub fn new(component: Arc<str>, bytes: usize, lines: usize) -> Self {
        GuestOutput {
            cap: (bytes, lines),
            allowance: Arc::new(Mutex::new(Allowance {
                component,
                bytes,
                lines,
                dropped_bytes: 0,
                dropped_lines: 0,
            })),
        }
    }

    /// Ends a warm instance's call: reports what it dropped and gives
    /// the next call the whole allowance again.
    pub fn renew(&self) {
        let mut allowance = self.allowance.lock().unwrap();
        allowance.report();
        (allowance.bytes, allowance.lines) = self.cap;
    }

    pub fn stdout(&self) -> GuestLog {
        self.stream(Stream::Stdout)
    }

    pub fn stderr(&self) -> GuestLog {
        self.stream(Stream::Stderr)
    }

    fn stream(&self, stream: Stream) -> GuestLog {
        GuestLog {
            allowance: self.allowance.clone(),
            stream,
        }
    }
}

/// One of a call's output streams.
pub struct GuestLog {
    allowance: Arc<Mutex<Allowance>>,
    stream: Stream,
}

impl GuestLog {
    fn writer(&self) -> LineWriter {
        LineWriter {
            allowance: self.allowance.clone(),
            stream: self.stream,
            line: Vec::new(),
        }
    }
}

impl IsTerminal for GuestLog {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestLog {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.writer())
    }

    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.writer())
    }
}

/// Buffers bytes until a newline, then logs the line if the allowance
/// covers it.
struct LineWriter {
    allowance: Arc<Mutex<Allowance>>,
    stream: Stream,
    line: Vec<u8>,
}

impl LineWriter {
    fn push(&mut self, mut bytes: &[u8]) {
        while let Some(pos) = bytes.iter().position(|&b| b == b'\n') {
            self.take(&bytes[..pos]);
            self.emit();
            bytes = &bytes[pos + 1..];
        }
        self.take(bytes);
        if self.line.len() >= MAX_LINE {
            self.emit();
        }
    }

    /// Buffers at most a line's worth; the rest of a giant line is
    /// counted as dropped rather than held.
    fn take(&mut self, bytes: &[u8]) {
        let room = MAX_LINE.saturating_sub(self.line.len()).min(bytes.len());
        self.line.extend_from_slice(&bytes[..room]);
        if room < bytes.len() {
            self.allowance.lock().unwrap().dropped_bytes += bytes.len() - room;
        }
    }

    fn emit(&mut self) {
        let mut allowance = self.allowance.lock().unwrap();
        let len = self.line.len();
        if allowance.lines == 0 || allowance.bytes < len {
            allowance.lines = 0;
            allowance.dropped_bytes += len;
            allowance.dropped_lines += 1;
        } else {
            allowance.lines -= 1;
            allowance.bytes -= len;
            let text = String::from_utf8_lossy(&self.line);
            let component = &*allowance.component;
            match self.stream {
                Stream::Stdout => tracing::info!(target: "guest", component = %component, "{text}"),
                Stream::Stderr => tracing::warn!(target: "guest", component = %component, "{text}"),
            }
        }
        self.line.clear();
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if !self.line.is_empty() {
            self.emit();
        }
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for LineWriter {
    async fn ready(&mut self) {}
}

impl OutputStream for LineWriter {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }

    fn check_write(&mut self) -> Result<usize, StreamError> {
        Ok(MAX_LINE)
    }
}

impl AsyncWrite for LineWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.get_mut().push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
