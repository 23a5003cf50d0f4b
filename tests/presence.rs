//! Presence hooks: exactly once per transition, in order, through
//! reconnect races and dead peers; `send` inside them reaches the user.

use serde_json::{Value, json};
use std::time::Duration;
use switchboard_tests::{Client, TestServer, app, error_text, hook_event};

const QUIET: Duration = Duration::from_millis(400);

async fn server(tweak: impl FnOnce(&mut switchboard::Settings)) -> TestServer {
    TestServer::start(&app("tests/apps/hooks"), tweak).await
}

/// Connects the observer and drains the events about itself.
async fn observer(server: &TestServer) -> Client {
    let mut observer = server.connect_as("observer").await;
    observer.drain(QUIET).await;
    observer
}

/// The presence events about `user` among `events`.
fn presence_of(events: &[Value], user: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["user"] == json!(user) && e["presence"].is_string())
        .map(|e| e["presence"].as_str().unwrap().to_owned())
        .collect()
}

/// Asserts that `events` hold one transition of `user`, to `presence`,
/// inside whose hook `is-online` said `is_online`.
fn assert_one_transition(events: &[Value], user: &str, presence: &str, is_online: bool) {
    assert_eq!(presence_of(events, user), [presence]);
    let event = events
        .iter()
        .find(|e| e["user"] == json!(user) && e["presence"] == json!(presence))
        .unwrap();
    assert_eq!(
        event["isOnline"],
        json!(is_online),
        "is-online agrees inside on-{presence}"
    );
}

#[tokio::test]
async fn three_tabs_are_online_once_and_offline_once() {
    let server = server(|_| {}).await;
    let mut observer = observer(&server).await;
    let mut first = server.connect_as("tri").await;
    let second = server.connect_as("tri").await;
    let third = server.connect_as("tri").await;
    assert_one_transition(&observer.drain(QUIET).await, "tri", "online", true);
    // `send` inside the hook went to the user.
    assert_eq!(first.recv_json().await, json!({"welcome": "tri"}));

    drop(first);
    let mut second = second;
    second.ws.close(None).await.unwrap();
    let events = observer.drain(QUIET).await;
    assert_eq!(
        presence_of(&events, "tri"),
        Vec::<String>::new(),
        "two of three closed"
    );

    drop(third);
    assert_one_transition(&observer.drain(QUIET).await, "tri", "offline", false);
}

#[tokio::test]
async fn reconnect_races_keep_transitions_alternating_and_final_state_right() {
    let server = server(|_| {}).await;
    let mut observer = observer(&server).await;
    let mut current = server.connect_as("racer").await;
    for _ in 0..30 {
        // The last tab closes while a new one opens.
        let closing = async move {
            drop(current);
        };
        let (_, next) = tokio::join!(closing, server.connect_as("racer"));
        current = next;
    }
    // Two tabs opening at once from offline also count once.
    let (a, b) = tokio::join!(server.connect_as("pair"), server.connect_as("pair"));
    let events = observer.drain(Duration::from_millis(800)).await;

    let racer = presence_of(&events, "racer");
    assert_eq!(racer.first().map(String::as_str), Some("online"));
    for pair in racer.windows(2) {
        assert_ne!(pair[0], pair[1], "transitions alternate: {racer:?}");
    }
    assert_eq!(
        racer.last().map(String::as_str),
        Some("online"),
        "racer is connected: {racer:?}"
    );
    assert_eq!(presence_of(&events, "pair"), ["online"]);

    let mut asker = server.connect().await;
    assert!(asker.is_online("racer").await);

    drop((current, a, b));
    let events = observer.drain(QUIET).await;
    assert_eq!(presence_of(&events, "racer"), ["offline"]);
    assert_eq!(presence_of(&events, "pair"), ["offline"]);
}

#[tokio::test]
async fn a_peer_killed_without_a_close_is_reaped_and_goes_offline() {
    let server = server(|config| {
        config.connections.keepalive_interval = 0.2;
        config.connections.keepalive_timeout = 0.3;
    })
    .await;
    let mut observer = observer(&server).await;
    // Never polled again: no pongs, like a peer whose network vanished.
    let ghost = server.connect_as("ghost").await;
    let mut events = Vec::new();
    for _ in 0..10 {
        events.extend(observer.drain(QUIET).await);
        if presence_of(&events, "ghost").len() == 2 {
            break;
        }
    }
    assert_eq!(presence_of(&events, "ghost"), ["online", "offline"]);
    drop(ghost);
}

#[tokio::test]
async fn a_failing_presence_hook_is_reported_and_does_not_block_the_connection() {
    let server = server(|_| {}).await;
    let mut observer = observer(&server).await;
    let mut failer = server.connect_as("failer").await;
    let reply = failer.ask(json!({"hello": 1})).await;
    assert_eq!(reply["route"], json!("index"), "the connection works");
    let events = observer.drain(QUIET).await;
    let error = error_text(hook_event(&events, "error"));
    assert!(error.contains("presence hook refused failer"), "{error}");
}
