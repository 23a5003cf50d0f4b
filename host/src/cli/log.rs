//! The server's own log on stdout: `RUST_LOG` picks what is logged, the
//! settings pick the format and whether the access log is on, and a
//! server's lines are written in batches.
//!
//! A server logs a line per message (the access log), so a line must not
//! cost a `write(2)`, nor wake a writer thread: lines go into one
//! buffer, written out when it fills and otherwise every
//! [`FLUSH_EVERY`] by a small thread. Nothing is dropped: a logger that
//! finds the buffer full writes it out itself, waiting for stdout as an
//! unbuffered log would. A line reaches stdout at most `FLUSH_EVERY`
//! after it was logged; a process killed with SIGKILL loses that much.

use crate::settings::Log;
use std::io::{BufWriter, IsTerminal, Stdout, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::writer::BoxMakeWriter;

/// How long a logged line may wait in the buffer.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// Bytes buffered before loggers write them out themselves.
const BUFFER_BYTES: usize = 64 << 10;

/// Installs the log; `log` is a server's settings (`None` for the other
/// commands, which write straight to stdout). Dropping the returned
/// guard writes out what is buffered.
pub fn init(default_level: &str, log: Option<&Log>) -> Option<Flusher> {
    let mut filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    if log.is_some_and(|log| !log.messages) {
        filter = filter.add_directive("switchboard::messages=off".parse().expect("a directive"));
    }
    let buffered = log.map(|_| Buffered::new());
    let writer = match &buffered {
        Some(buffered) => BoxMakeWriter::new(buffered.clone()),
        None => BoxMakeWriter::new(std::io::stdout),
    };
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours are for a terminal, not for a file or a collector.
        .with_ansi(std::io::stdout().is_terminal())
        .with_writer(writer);
    match log.is_some_and(|log| log.format == "json") {
        true => logs
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .init(),
        false => logs.init(),
    }
    buffered.map(Flusher::start)
}

/// Stdout behind one buffer, shared by every thread that logs.
#[derive(Clone)]
struct Buffered(Arc<Mutex<BufWriter<Stdout>>>);

impl Buffered {
    fn new() -> Buffered {
        let stdout = BufWriter::with_capacity(BUFFER_BYTES, std::io::stdout());
        Buffered(Arc::new(Mutex::new(stdout)))
    }

    fn lock(&self) -> MutexGuard<'_, BufWriter<Stdout>> {
        // A logger that panicked mid-line leaves at worst a torn line.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn flush(&self) {
        let _ = self.lock().flush();
    }
}

impl<'a> MakeWriter<'a> for Buffered {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Line<'a> {
        Line(self.lock())
    }
}

/// The buffer, held while the subscriber writes one line into it.
struct Line<'a>(MutexGuard<'a, BufWriter<Stdout>>);

impl Write for Line<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.write(bytes)
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write_all(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // The buffer is written out by size and by time, not per line.
        Ok(())
    }
}

/// Writes the buffer out every [`FLUSH_EVERY`], and once more when
/// dropped.
pub struct Flusher {
    buffered: Buffered,
}

impl Flusher {
    /// The subscriber keeps the buffer for the life of the process, and
    /// so does this thread.
    fn start(buffered: Buffered) -> Flusher {
        let flushed = buffered.clone();
        std::thread::Builder::new()
            .name("switchboard-log".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(FLUSH_EVERY);
                    flushed.flush();
                }
            })
            .expect("spawning the log flusher");
        Flusher { buffered }
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.buffered.flush();
    }
}
