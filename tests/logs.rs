//! Guests' stdout and stderr reach the host's log, tagged with the
//! component they came from.

use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use switchboard_tests::{TestServer, app};

/// Collects everything the server logs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn guest_output_is_logged_with_the_component() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let server = TestServer::start(&app("tests/apps/basic"), |_| {}).await;
    let mut client = server.connect().await;
    client
        .send_json(json!({"action": "print", "text": "marker-42"}))
        .await;
    assert_eq!(
        client.recv().await,
        switchboard_tests::Message::text("printed")
    );

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = |needle: &str| {
        log.lines()
            .find(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("no log line with {needle:?} in:\n{log}"))
            .to_owned()
    };
    let out = line("stdout says marker-42");
    assert!(
        out.contains("INFO") && out.contains("component=action_print.wasm"),
        "{out}"
    );
    let err = line("stderr says marker-42");
    assert!(
        err.contains("WARN") && err.contains("component=action_print.wasm"),
        "{err}"
    );
}
