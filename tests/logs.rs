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

#[tokio::test]
async fn one_call_cannot_grow_the_log_past_its_output_cap() {
    let captured = switchboard_tests::capture_logs();
    let server = TestServer::start(&app("tests/apps/basic"), |settings| {
        settings.limits.guest_output_lines = 10;
    })
    .await;
    let mut client = server.connect().await;
    // 50 lines to stdout and 50 to stderr, with a marker of this test.
    client
        .send_json(json!({"action": "print", "text": "capped-77", "times": 50}))
        .await;
    assert_eq!(
        client.recv().await,
        switchboard_tests::Message::text("printed")
    );
    let kept = captured.lines_with(&["says capped-77"]);
    assert_eq!(kept.len(), 10, "{kept:#?}");
    let dropped = captured.lines_with(&["output past the per-call cap was dropped"]);
    let dropped: Vec<_> = dropped
        .iter()
        .filter(|line| line.contains("dropped_lines=90"))
        .collect();
    assert_eq!(dropped.len(), 1, "one line says what was dropped");

    // The byte cap applies the same way: 2 KiB lines against 8 KiB.
    let server = TestServer::start(&app("tests/apps/basic"), |settings| {
        settings.limits.guest_output_bytes = 8 << 10;
    })
    .await;
    let mut client = server.connect().await;
    let text = format!("bytes-78 {}", "b".repeat(2000));
    client
        .send_json(json!({"action": "print", "text": text, "times": 10}))
        .await;
    client.recv().await;
    let kept = captured.lines_with(&["says bytes-78"]);
    assert_eq!(kept.len(), 4, "8 KiB holds four lines of about 2 KiB");
}

#[tokio::test]
async fn connection_and_request_ids_carry_the_node_id() {
    let captured = switchboard_tests::capture_logs();
    let server = TestServer::start(&app("tests/apps/basic"), |_| {}).await;
    let node = server.services.node.to_string();
    let mut client = server.connect().await;
    client
        .send_json(json!({"action": "print", "text": "ids-79"}))
        .await;
    client.recv().await;
    let line = captured
        .lines_with(&["stdout says ids-79"])
        .pop()
        .expect("the guest's line");
    assert!(line.contains(&format!("connection{{id={node}-c")), "{line}");
    assert!(line.contains(&format!("request={node}-r")), "{line}");
}
