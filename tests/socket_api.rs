//! `send`, `send-to` and `is-online` through real sockets.

use serde_json::json;
use std::time::Duration;
use switchboard_tests::{TestServer, assert_error};

const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn anonymous_send_reaches_only_this_connection() {
    let server = TestServer::basic().await;
    let mut a = server.connect().await;
    let mut b = server.connect().await;
    a.expect_round_trip(json!({"hi": 1})).await;
    b.expect_silence(QUIET).await;
}

#[tokio::test]
async fn send_reaches_every_device_of_the_user_and_no_one_else() {
    let server = TestServer::basic().await;
    let mut phone = server.connect_as("alice").await;
    let mut laptop = server.connect_as("alice").await;
    let mut bob = server.connect_as("bob").await;
    let mut anon = server.connect().await;
    phone.expect_round_trip(json!("from phone")).await;
    assert_eq!(laptop.recv_json().await, json!("from phone"));
    bob.expect_silence(QUIET).await;
    anon.expect_silence(Duration::ZERO).await;
}

#[tokio::test]
async fn send_to_reaches_each_listed_user_and_skips_offline_ones() {
    let server = TestServer::basic().await;
    let mut alice = server.connect_as("alice").await;
    let mut bob = server.connect_as("bob").await;
    let mut bob2 = server.connect_as("bob").await;
    let mut carol = server.connect_as("carol").await;
    let mut sender = server.connect_as("sender").await;
    sender
        .send_to(&["alice", "bob", "nobody-online"], json!({"note": "hello"}))
        .await;
    for client in [&mut alice, &mut bob, &mut bob2] {
        assert_eq!(client.recv_json().await, json!({"note": "hello"}));
    }
    carol.expect_silence(QUIET).await;
    sender.expect_silence(Duration::ZERO).await;
}

#[tokio::test]
async fn send_to_a_user_listed_twice_delivers_once() {
    let server = TestServer::basic().await;
    let mut alice = server.connect_as("alice").await;
    let mut sender = server.connect().await;
    sender.send_to(&["alice", "alice"], json!(1)).await;
    assert_eq!(alice.recv_json().await, json!(1));
    alice.expect_silence(QUIET).await;
}

#[tokio::test]
async fn send_to_more_than_100_users_is_an_error_and_sends_nothing() {
    let server = TestServer::basic().await;
    let mut alice = server.connect_as("alice").await;
    let mut sender = server.connect().await;
    let mut users: Vec<String> = (0..100).map(|i| format!("user{i}")).collect();
    users.push("alice".into());
    let reply = sender
        .ask(json!({"action": "sendto", "users": users, "message": "spam"}))
        .await;
    // The error names the limit.
    assert_error(&reply["sendTo"], "100");
    alice.expect_silence(QUIET).await;

    // Exactly 100 is allowed.
    users.remove(0);
    let users: Vec<&str> = users.iter().map(String::as_str).collect();
    sender.send_to(&users, json!("ok")).await;
    assert_eq!(alice.recv_json().await, json!("ok"));
}

#[tokio::test]
async fn is_online_follows_connections() {
    let server = TestServer::basic().await;
    let mut asker = server.connect().await;
    assert!(!asker.is_online("dave").await);

    let dave1 = server.connect_as("dave").await;
    let dave2 = server.connect_as("dave").await;
    assert!(asker.is_online("dave").await);

    drop(dave1);
    // One device left: still online.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(asker.is_online("dave").await);

    let mut dave2 = dave2;
    dave2.ws.close(None).await.unwrap();
    assert!(
        asker.wait_until_offline("dave").await,
        "dave is offline once his last connection closed"
    );
}

#[tokio::test]
async fn one_call_delivers_1000_messages_in_order() {
    let server = TestServer::basic().await;
    let mut client = server.connect().await;
    let mut other = server.connect_as("erin").await;
    client
        .send_json(json!({"action": "many", "count": 1000}))
        .await;
    for seq in 0..1000 {
        assert_eq!(client.recv_json().await, json!({"seq": seq}));
    }
    other.expect_silence(Duration::ZERO).await;
}

#[tokio::test]
async fn replies_to_many_requests_arrive_in_request_order() {
    // 1000 requests at once are far past the default message burst.
    let server = TestServer::basic_with(|config| config.edge.message_rate = 0.0).await;
    let mut client = server.connect().await;
    for i in 0..1000 {
        client
            .send_json(json!({"action": "send", "message": {"n": i}}))
            .await;
    }
    for i in 0..1000 {
        assert_eq!(client.recv_json().await, json!({"n": i}));
    }
}
