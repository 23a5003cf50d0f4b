//! Presence hooks: exactly once per transition, in order, through
//! reconnect races and dead peers; `send` inside them reaches the user.

use serde_json::{Value, json};
use std::time::Duration;
use switchboard_tests::{Client, TestServer, app};

const QUIET: Duration = Duration::from_millis(400);

async fn server(tweak: impl FnOnce(&mut switchboard::ServerConfig)) -> TestServer {
    TestServer::start(&app("tests/apps/hooks"), tweak).await
}

async fn tab(server: &TestServer, user: &str) -> Client {
    server.connect_with("/socket", &[("x-user", user)]).await
}

/// Connects the observer and drains the events about itself.
async fn observer(server: &TestServer) -> Client {
    let mut observer = tab(server, "observer").await;
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

#[tokio::test]
async fn three_tabs_are_online_once_and_offline_once() {
    let server = server(|_| {}).await;
    let mut observer = observer(&server).await;
    let mut first = tab(&server, "tri").await;
    let second = tab(&server, "tri").await;
    let third = tab(&server, "tri").await;
    let events = observer.drain(QUIET).await;
    assert_eq!(presence_of(&events, "tri"), ["online"]);
    let online = events
        .iter()
        .find(|e| e["presence"] == json!("online"))
        .unwrap();
    assert_eq!(
        online["isOnline"],
        json!(true),
        "is-online agrees inside on-online"
    );
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
    let events = observer.drain(QUIET).await;
    assert_eq!(presence_of(&events, "tri"), ["offline"]);
    let offline = events
        .iter()
        .find(|e| e["presence"] == json!("offline"))
        .unwrap();
    assert_eq!(
        offline["isOnline"],
        json!(false),
        "is-online agrees inside on-offline"
    );
}

#[tokio::test]
async fn reconnect_races_keep_transitions_alternating_and_final_state_right() {
    let server = server(|_| {}).await;
    let mut observer = observer(&server).await;
    let mut current = tab(&server, "racer").await;
    for _ in 0..30 {
        // The last tab closes while a new one opens.
        let closing = async move {
            drop(current);
        };
        let (_, next) = tokio::join!(closing, tab(&server, "racer"));
        current = next;
    }
    // Two tabs opening at once from offline also count once.
    let (a, b) = tokio::join!(tab(&server, "pair"), tab(&server, "pair"));
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
    let reply = asker
        .ask(json!({"action": "online", "user": "racer"}))
        .await;
    assert_eq!(reply["online"], json!(true));

    drop((current, a, b));
    let events = observer.drain(QUIET).await;
    assert_eq!(presence_of(&events, "racer"), ["offline"]);
    assert_eq!(presence_of(&events, "pair"), ["offline"]);
}

#[tokio::test]
async fn a_peer_killed_without_a_close_is_reaped_and_goes_offline() {
    let server = server(|config| {
        config.keepalive.interval = Duration::from_millis(200);
        config.keepalive.timeout = Duration::from_millis(300);
    })
    .await;
    let mut observer = observer(&server).await;
    // Never polled again: no pongs, like a peer whose network vanished.
    let ghost = tab(&server, "ghost").await;
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
    let mut failer = tab(&server, "failer").await;
    let reply = failer.ask(json!({"hello": 1})).await;
    assert_eq!(reply["route"], json!("index"), "the connection works");
    let events = observer.drain(QUIET).await;
    let error = events
        .iter()
        .find(|e| e["hook"] == json!("error"))
        .unwrap_or_else(|| panic!("an on-error event: {events:?}"));
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("presence hook refused failer")
    );
}
