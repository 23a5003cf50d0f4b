//! Routing of messages to components by file name, through real sockets.

use serde_json::{Value, json};
use switchboard_tests::{Message, TestServer, app, app_subset, error_text};

async fn route_of(reply: &Value) -> &str {
    reply["route"]
        .as_str()
        .unwrap_or_else(|| panic!("a probe reply: {reply}"))
}

#[tokio::test]
async fn the_most_specific_route_wins() {
    let server = TestServer::basic().await;
    let mut client = server.connect().await;

    let reply = client
        .ask(json!({"action": "enter", "room": "lobby"}))
        .await;
    assert_eq!(route_of(&reply).await, "[room]/action_enter");
    assert_eq!(reply["params"], json!({"room": "lobby"}));

    let reply = client.ask(json!({"action": "enter"})).await;
    assert_eq!(route_of(&reply).await, "action_enter");
    assert_eq!(reply["params"], json!({}));

    let reply = client.ask(json!({"room": 42})).await;
    assert_eq!(route_of(&reply).await, "[room]/index");
    assert_eq!(reply["params"], json!({"room": "42"}));

    let reply = client.ask(json!({"action": "unknown"})).await;
    assert_eq!(route_of(&reply).await, "index");

    let reply = client.ask(json!(["not", "an", "object"])).await;
    assert_eq!(route_of(&reply).await, "index");
}

#[tokio::test]
async fn non_json_frames_go_to_index() {
    let server = TestServer::basic().await;
    let mut client = server.connect().await;
    // The probe at index takes JSON, so plain text is refused there.
    client.send(Message::text("hello there")).await;
    let reply = client.recv_json().await;
    assert!(error_text(&reply).starts_with("invalid JSON"), "{reply}");
}

#[tokio::test]
async fn handler_input_carries_connection_request_id_user_and_params() {
    let server = TestServer::basic().await;
    let mut client = server.connect_as("ann").await;
    let first = client
        .ask(json!({"action": "enter", "room": "r1", "x": [1, 2]}))
        .await;
    let second = client.ask(json!({"action": "enter", "room": "r1"})).await;
    assert_eq!(
        first["data"],
        json!({"action": "enter", "room": "r1", "x": [1, 2]})
    );
    assert_eq!(first["user"]["id"], json!("ann"));
    assert_eq!(first["user"]["claims"], json!({"via": "header"}));
    assert!(first["connection"].as_str().is_some_and(|c| !c.is_empty()));
    assert_eq!(first["connection"], second["connection"]);
    assert_ne!(
        first["requestId"], second["requestId"],
        "request ids are unique"
    );

    let mut other = server.connect().await;
    let third = other.ask(json!({"action": "enter"})).await;
    assert_ne!(third["connection"], first["connection"]);
    assert_eq!(third["user"], Value::Null);
}

#[tokio::test]
async fn a_message_nothing_matches_gets_an_error_without_index() {
    let subset = app_subset(&app("tests/apps/basic"), &["action_enter.wasm"]);
    let server = TestServer::start(&subset.0, |_| {}).await;
    let mut client = server.connect().await;
    let reply = client.ask(json!({"action": "other"})).await;
    assert_eq!(reply, json!({"error": "no handler for this message"}));
    client.send(Message::text("not json")).await;
    assert_eq!(
        client.recv_json().await,
        json!({"error": "no handler for this message"})
    );
    // The route that exists still works.
    let reply = client.ask(json!({"action": "enter"})).await;
    assert_eq!(reply["route"], json!("action_enter"));
}
