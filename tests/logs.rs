//! Guests' stdout and stderr reach the host's log, tagged with the
//! component they came from.

use serde_json::json;
use switchboard_tests::{TestServer, app};

#[tokio::test]
async fn guest_output_is_logged_with_the_component() {
    let captured = switchboard_tests::capture_logs();

    let server = TestServer::start(&app("tests/apps/basic"), |_| {}).await;
    let mut client = server.connect().await;
    client
        .send_json(json!({"action": "print", "text": "marker-42"}))
        .await;
    assert_eq!(
        client.recv().await,
        switchboard_tests::Message::text("printed")
    );

    let line = |needle: &str| {
        captured
            .lines_with(&[needle])
            .pop()
            .unwrap_or_else(|| panic!("no log line with {needle:?}"))
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
