//! The example apps, served as a user would serve them.

use serde_json::json;
use std::time::Duration;
use switchboard_tests::{Message, TestServer, app, error_text};

#[tokio::test]
async fn whisper_routes_by_action_and_recipient() {
    let server = TestServer::start(&app("examples/whisper"), |_| {}).await;
    let mut ann = server.connect_with("/socket?name=ann", &[]).await;
    let mut bob = server.connect_with("/socket?name=bob", &[]).await;
    let mut bob_phone = server
        .connect_with("/socket", &[("cookie", "name=bob")])
        .await;
    let mut cat = server.connect_with("/socket?name=cat", &[]).await;

    let reply = ann
        .ask(json!({"action": "online", "users": ["bob", "dan"]}))
        .await;
    assert_eq!(reply, json!({"online": {"bob": true, "dan": false}}));

    let reply = ann
        .ask(json!({"action": "whisper", "to": "bob", "text": "psst"}))
        .await;
    assert_eq!(reply, json!({"sent": "bob", "text": "psst"}));
    assert_eq!(
        bob.recv_json().await,
        json!({"from": "ann", "text": "psst"})
    );
    assert_eq!(
        bob_phone.recv_json().await,
        json!({"from": "ann", "text": "psst"})
    );
    cat.expect_silence(Duration::from_millis(300)).await;

    let reply = ann
        .ask(json!({"action": "whisper", "to": "dan", "text": "hi"}))
        .await;
    assert_eq!(reply, json!({"error": "dan is not online"}));

    let reply = ann.ask(json!({"hello": true})).await;
    assert!(error_text(&reply).starts_with("unknown message"), "{reply}");
}

#[tokio::test]
async fn whisper_refuses_bad_names() {
    let server = TestServer::start(&app("examples/whisper"), |_| {}).await;
    let (status, _) = server.connect_refused("/socket?name=no%20spaces").await;
    assert_eq!(status, 401);
}

/// Each language's echo example sends every frame back as it came.
async fn echoes_frames(example: &str) {
    let server = TestServer::start(&app(example), |_| {}).await;
    let mut client = server.connect().await;
    for frame in [
        Message::text("hello, switchboard"),
        Message::text(r#"{"not": "parsed"}"#),
        Message::binary(vec![0u8, 1, 2, 255]),
    ] {
        client.expect_echo(frame).await;
    }
}

#[tokio::test]
async fn echo_in_rust() {
    echoes_frames("examples/echo").await;
}

#[tokio::test]
async fn echo_in_javascript() {
    echoes_frames("examples/echo-js").await;
}

#[tokio::test]
async fn echo_in_python() {
    echoes_frames("examples/echo-python").await;
}

#[tokio::test]
async fn echo_in_c() {
    echoes_frames("examples/echo-c").await;
}

/// A conversation in the chat, which its Rust and TypeScript builds hold
/// alike.
async fn chat_conversation(example: &str) {
    let server = TestServer::start(&app(example), |_| {}).await;
    let mut ann = server.connect_with("/socket?name=ann", &[]).await;
    assert_eq!(
        ann.recv_json().await,
        json!({"type": "online", "users": ["ann"]})
    );
    let mut bob = server.connect_with("/socket?name=bob", &[]).await;
    let online = json!({"type": "online", "users": ["ann", "bob"]});
    assert_eq!(bob.recv_json().await, online);
    assert_eq!(ann.recv_json().await, online);

    ann.send_json(json!({"action": "join", "room": "lobby"}))
        .await;
    assert_eq!(
        ann.recv_json().await,
        json!({"type": "joined", "room": "lobby", "user": "ann", "members": ["ann"]})
    );
    bob.send_json(json!({"action": "join", "room": "lobby"}))
        .await;
    let joined =
        json!({"type": "joined", "room": "lobby", "user": "bob", "members": ["ann", "bob"]});
    assert_eq!(bob.recv_json().await, joined);
    assert_eq!(ann.recv_json().await, joined);

    ann.send_json(json!({"action": "say", "room": "lobby", "text": "hi bob"}))
        .await;
    let said = json!({"type": "message", "room": "lobby", "from": "ann", "text": "hi bob"});
    assert_eq!(ann.recv_json().await, said);
    assert_eq!(bob.recv_json().await, said);

    assert_eq!(
        bob.ask(json!({"action": "say", "room": "kitchen", "text": "anyone?"}))
            .await,
        json!({"error": "join kitchen first"})
    );
    drop(bob);
    // Going offline leaves every room and updates the online list.
    let left = ann.drain(Duration::from_millis(500)).await;
    assert!(
        left.contains(&json!({"type": "left", "room": "lobby", "user": "bob", "members": ["ann"]})),
        "{example}: {left:?}"
    );
    assert!(
        left.contains(&json!({"type": "online", "users": ["ann"]})),
        "{example}: {left:?}"
    );
}

#[tokio::test]
async fn chat_in_rust() {
    chat_conversation("examples/chat").await;
}

#[tokio::test]
async fn chat_in_typescript() {
    chat_conversation("examples/chat-ts").await;
}
