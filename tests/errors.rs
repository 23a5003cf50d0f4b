//! Failing handlers are answered with `{"error"}`, their connection stays
//! open, and other connections do not notice.

use serde_json::{Value, json};
use switchboard_tests::{Client, Message, TestServer, app};

/// Sends `action` on one connection and checks the error it gets, then
/// that both it and a second connection still work.
async fn assert_fails_cleanly(server: &TestServer, action: &str, expected: &str) {
    let mut bystander = server.connect().await;
    let mut client = server.connect().await;
    let reply = client.ask(json!({"action": action})).await;
    let error = reply["error"]
        .as_str()
        .unwrap_or_else(|| panic!("an error reply: {reply}"));
    assert!(
        error.contains(expected),
        "{action}: expected {expected:?} in {error:?}"
    );
    assert_alive(&mut client).await;
    assert_alive(&mut bystander).await;
}

async fn assert_alive(client: &mut Client) {
    let reply: Value = client
        .ask(json!({"action": "send", "message": "alive"}))
        .await;
    assert_eq!(reply, json!("alive"));
}

async fn server() -> TestServer {
    TestServer::start(&app("tests/apps/basic"), |_| {}).await
}

#[tokio::test]
async fn handler_error() {
    assert_fails_cleanly(&server().await, "fail", "handler said no").await;
}

#[tokio::test]
async fn handler_panic_traps() {
    assert_fails_cleanly(&server().await, "panic", "handler trapped").await;
}

#[tokio::test]
async fn infinite_loop_runs_out_of_fuel() {
    assert_fails_cleanly(&server().await, "loop", "ran out of fuel").await;
}

#[tokio::test]
async fn infinite_loop_with_ample_fuel_hits_the_timeout() {
    let server = TestServer::start(&app("tests/apps/basic"), |config| {
        config.limits.fuel = u64::MAX / 2;
    })
    .await;
    let started = std::time::Instant::now();
    assert_fails_cleanly(&server, "loop", "timed out after 1s").await;
    assert!(
        started.elapsed().as_secs() < 5,
        "the epoch deadline stopped the loop"
    );
}

#[tokio::test]
async fn sleeping_past_the_timeout() {
    assert_fails_cleanly(&server().await, "sleep", "timed out after 1s").await;
}

#[tokio::test]
async fn memory_bomb_hits_the_cap() {
    let server = TestServer::start(&app("tests/apps/basic"), |config| {
        config.limits.memory_bytes = 16 << 20;
    })
    .await;
    assert_fails_cleanly(&server, "bomb", "memory limit of 16 MiB").await;
}

#[tokio::test]
async fn a_stuck_handler_does_not_block_other_connections() {
    let server = server().await;
    let mut sleeper = server.connect().await;
    sleeper.send_json(json!({"action": "sleep"})).await;
    let mut other = server.connect().await;
    let started = std::time::Instant::now();
    assert_alive(&mut other).await;
    assert!(
        started.elapsed().as_millis() < 900,
        "answered while the other call sleeps"
    );
    let reply = sleeper.recv_json().await;
    assert!(reply["error"].as_str().unwrap().contains("timed out"));
}

#[tokio::test]
async fn oversized_frame_closes_with_1009_and_others_keep_working() {
    let server = TestServer::start(&app("tests/apps/basic"), |config| {
        config.max_message_size = 1024;
    })
    .await;
    let mut bystander = server.connect().await;
    let mut client = server.connect().await;
    client.send(Message::text("x".repeat(2048))).await;
    match client.recv().await {
        Message::Close(Some(frame)) => assert_eq!(u16::from(frame.code), 1009),
        other => panic!("expected a close frame, got {other:?}"),
    }
    assert_alive(&mut bystander).await;
    // A message just under the limit is fine.
    let reply = bystander
        .ask(json!({"action": "send", "message": "y".repeat(900)}))
        .await;
    assert_eq!(reply, json!("y".repeat(900)));
}

#[tokio::test]
async fn a_call_that_sends_too_many_messages_is_stopped_at_its_cap() {
    let server = server().await;
    let mut client = server.connect().await;
    client
        .send_json(json!({"action": "many", "count": 5000}))
        .await;
    for seq in 0..1000 {
        assert_eq!(client.recv_json().await, json!({"seq": seq}));
    }
    let reply = client.recv_json().await;
    let error = reply["error"].as_str().unwrap_or_else(|| panic!("{reply}"));
    assert!(error.contains("limit of 1000 messages"), "{error}");
    assert_alive(&mut client).await;
}

#[tokio::test]
async fn a_call_that_sends_too_many_bytes_is_refused() {
    let server = TestServer::start(&app("tests/apps/basic"), |config| {
        config.limits.max_send_bytes_per_call = 10_000;
    })
    .await;
    let mut client = server.connect().await;
    let reply = client
        .ask(json!({"action": "send", "message": "z".repeat(20_000)}))
        .await;
    let error = reply["error"].as_str().unwrap_or_else(|| panic!("{reply}"));
    assert!(error.contains("limit of 10000 bytes"), "{error}");
    assert_alive(&mut client).await;
}
