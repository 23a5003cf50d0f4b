//! The server's own log, as `switchboard serve` writes it to stdout: the
//! access log's line per message, and `--no-log-messages`, which drops
//! it and nothing else.

mod common;

use futures_util::{SinkExt, StreamExt};
use std::cell::RefCell;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// A `switchboard serve` process and the lines of its stdout.
struct Serve {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// The lines read so far.
    seen: RefCell<Vec<String>>,
}

impl Serve {
    fn start(app: &std::path::Path, flags: &[&str]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("serve")
            .arg(app)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--no-watch",
                "--log-format",
                "json",
            ])
            .args(flags)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting switchboard serve");
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Serve {
            child,
            lines,
            seen: RefCell::default(),
        }
    }

    /// The next line whose message is `message`, as JSON, within 20 s.
    fn wait_for(&self, message: &str) -> serde_json::Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no log line says {message:?}"));
            let value: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
            self.seen.borrow_mut().push(line);
            if value["fields"]["message"] == message {
                return value;
            }
        }
    }

    /// Every line written so far, once the server falls quiet for
    /// `quiet`.
    fn all(&self, quiet: Duration) -> Vec<String> {
        let mut seen = self.seen.borrow_mut();
        seen.extend(std::iter::from_fn(|| self.lines.recv_timeout(quiet).ok()));
        seen.clone()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the echo app with `flags`, sends it one message, and returns
/// the lines logged from the connection's opening to its end.
async fn one_message(flags: &[&str]) -> Vec<String> {
    let app = common::echo_app();
    let serve = Serve::start(&app, flags);
    let listening = serve.wait_for("listening");
    let addr = listening["fields"]["addr"].as_str().unwrap().to_owned();
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/socket"))
        .await
        .expect("connecting");
    socket.send(Message::text("hello")).await.unwrap();
    let echo = tokio::time::timeout(Duration::from_secs(20), socket.next())
        .await
        .expect("an echo in time");
    assert_eq!(echo.unwrap().unwrap(), Message::text("hello"));
    socket.close(None).await.unwrap();
    serve.wait_for("disconnected");
    serve.all(Duration::from_millis(300))
}

#[tokio::test]
async fn the_access_log_has_a_line_per_message_and_can_be_turned_off() {
    let (on, off) = (
        one_message(&[]).await,
        one_message(&["--no-log-messages"]).await,
    );
    let received = |lines: &[String]| {
        lines
            .iter()
            .filter(|line| line.contains("message received"))
            .count()
    };
    assert_eq!(received(&on), 1, "the access log's line: {on:#?}");
    assert_eq!(received(&off), 0, "no access log: {off:#?}");
}
