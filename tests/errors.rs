//! Failing handlers are answered with `{"error"}`, their connection stays
//! open, and other connections do not notice.

use serde_json::json;
use switchboard_tests::{Message, TestServer, assert_error};

/// Sends `action` on one connection and checks the error it gets, then
/// that both it and a second connection still work.
async fn assert_fails_cleanly(server: &TestServer, action: &str, expected: &str) {
    let mut bystander = server.connect().await;
    let mut client = server.connect().await;
    assert_error(&client.ask(json!({"action": action})).await, expected);
    client.expect_round_trip(json!("alive")).await;
    bystander.expect_round_trip(json!("alive")).await;
}

#[tokio::test]
async fn handler_error() {
    assert_fails_cleanly(&TestServer::basic().await, "fail", "handler said no").await;
}

#[tokio::test]
async fn handler_panic_traps() {
    assert_fails_cleanly(&TestServer::basic().await, "panic", "handler trapped").await;
}

#[tokio::test]
async fn infinite_loop_runs_out_of_fuel() {
    assert_fails_cleanly(&TestServer::basic().await, "loop", "ran out of fuel").await;
}

#[tokio::test]
async fn infinite_loop_with_ample_fuel_hits_the_timeout() {
    let server = TestServer::basic_with(|config| config.limits.fuel = u64::MAX / 2).await;
    let started = std::time::Instant::now();
    assert_fails_cleanly(&server, "loop", "timed out after 1s").await;
    assert!(
        started.elapsed().as_secs() < 5,
        "the epoch deadline stopped the loop"
    );
}

#[tokio::test]
async fn sleeping_past_the_timeout() {
    assert_fails_cleanly(&TestServer::basic().await, "sleep", "timed out after 1s").await;
}

#[tokio::test]
async fn memory_bomb_hits_the_cap() {
    let server = TestServer::basic_with(|config| config.limits.memory_limit_mib = 16).await;
    assert_fails_cleanly(&server, "bomb", "memory limit of 16 MiB").await;
}

#[tokio::test]
async fn a_stuck_handler_does_not_block_other_connections() {
    let server = TestServer::basic().await;
    let mut sleeper = server.connect().await;
    sleeper.send_json(json!({"action": "sleep"})).await;
    let mut other = server.connect().await;
    let started = std::time::Instant::now();
    other.expect_round_trip(json!("alive")).await;
    assert!(
        started.elapsed().as_millis() < 900,
        "answered while the other call sleeps"
    );
    assert_error(&sleeper.recv_json().await, "timed out");
}

#[tokio::test]
async fn oversized_frame_closes_with_1009_and_others_keep_working() {
    let server = TestServer::basic_with(|config| config.connections.max_message_size = 1024).await;
    let mut bystander = server.connect().await;
    let mut client = server.connect().await;
    client.send(Message::text("x".repeat(2048))).await;
    client.expect_close(1009).await;
    bystander.expect_round_trip(json!("alive")).await;
    // A message just under the limit is fine.
    bystander.expect_round_trip(json!("y".repeat(900))).await;
}

#[tokio::test]
async fn a_call_that_sends_too_many_messages_is_stopped_at_its_cap() {
    let server = TestServer::basic().await;
    let mut client = server.connect().await;
    client
        .send_json(json!({"action": "many", "count": 5000}))
        .await;
    for seq in 0..1000 {
        assert_eq!(client.recv_json().await, json!({"seq": seq}));
    }
    assert_error(&client.recv_json().await, "limit of 1000 messages");
    client.expect_round_trip(json!("alive")).await;
}

#[tokio::test]
async fn a_call_that_sends_too_many_bytes_is_refused() {
    let server =
        TestServer::basic_with(|config| config.limits.max_send_bytes_per_call = 10_000).await;
    let mut client = server.connect().await;
    let reply = client
        .ask(json!({"action": "send", "message": "z".repeat(20_000)}))
        .await;
    assert_error(&reply, "limit of 10000 bytes");
    client.expect_round_trip(json!("alive")).await;
}
