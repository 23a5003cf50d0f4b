//! How frames are decoded for each handler data type, and echoed back.

use serde_json::json;
use switchboard_tests::{Message, TestServer, app, error_text};

#[tokio::test]
async fn json_handlers_get_parsed_json_and_bad_json_is_refused() {
    let server = TestServer::basic().await;
    let mut client = server.connect().await;
    let reply = client.ask(json!({"action": "enter", "n": 1.5})).await;
    assert_eq!(reply["data"], json!({"action": "enter", "n": 1.5}));

    client.send(Message::text("{\"action\": ")).await;
    let reply = client.recv_json().await;
    let error = error_text(&reply);
    assert!(error.starts_with("invalid JSON"), "{error}");
    // The connection is still usable.
    let reply = client.ask(json!({"action": "enter"})).await;
    assert_eq!(reply["route"], json!("action_enter"));
}

#[tokio::test]
async fn text_handlers_get_the_string() {
    let server = TestServer::basic().await;
    let mut client = server.connect().await;
    let frame = r#"{"kind":"text","body":"héllo"}"#;
    client.send(Message::text(frame)).await;
    assert_eq!(client.recv().await, Message::text(format!("text:{frame}")));
}

#[tokio::test]
async fn binary_handlers_get_the_bytes() {
    let server = TestServer::basic().await;
    let mut client = server.connect().await;
    let frame = br#"{"kind":"binary"}"#.to_vec();
    client.send(Message::binary(frame.clone())).await;
    let mut reversed = frame;
    reversed.reverse();
    assert_eq!(client.recv().await, Message::binary(reversed));
}

#[tokio::test]
async fn echo_keeps_the_frame_kind() {
    let server = TestServer::start(&app("examples/echo"), |_| {}).await;
    let mut client = server.connect().await;
    client
        .expect_echo(Message::text("plain text, not JSON"))
        .await;
    client
        .expect_echo(Message::binary(vec![0u8, 159, 146, 150, 255]))
        .await;
    client.expect_echo(Message::text("{\"a\":1}")).await;
}
