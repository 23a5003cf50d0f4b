//! `send`, `send-to` and `is-online` through real sockets.

use serde_json::json;
use std::time::Duration;
use switchboard_tests::{Client, TestServer, app};

const QUIET: Duration = Duration::from_millis(300);

async fn server() -> TestServer {
    TestServer::start(&app("tests/apps/basic"), |_| {}).await
}

async fn as_user(server: &TestServer, id: &str) -> Client {
    server.connect_with("/socket", &[("x-user", id)]).await
}

#[tokio::test]
async fn anonymous_send_reaches_only_this_connection() {
    let server = server().await;
    let mut a = server.connect().await;
    let mut b = server.connect().await;
    let reply = a.ask(json!({"action": "send", "message": {"hi": 1}})).await;
    assert_eq!(reply, json!({"hi": 1}));
    b.expect_silence(QUIET).await;
}

#[tokio::test]
async fn send_reaches_every_device_of_the_user_and_no_one_else() {
    let server = server().await;
    let mut phone = as_user(&server, "alice").await;
    let mut laptop = as_user(&server, "alice").await;
    let mut bob = as_user(&server, "bob").await;
    let mut anon = server.connect().await;
    let reply = phone
        .ask(json!({"action": "send", "message": "from phone"}))
        .await;
    assert_eq!(reply, json!("from phone"));
    assert_eq!(laptop.recv_json().await, json!("from phone"));
    bob.expect_silence(QUIET).await;
    anon.expect_silence(Duration::ZERO).await;
}

#[tokio::test]
async fn send_to_reaches_each_listed_user_and_skips_offline_ones() {
    let server = server().await;
    let mut alice = as_user(&server, "alice").await;
    let mut bob = as_user(&server, "bob").await;
    let mut bob2 = as_user(&server, "bob").await;
    let mut carol = as_user(&server, "carol").await;
    let mut sender = as_user(&server, "sender").await;
    let reply = sender
        .ask(json!({
            "action": "sendto",
            "users": ["alice", "bob", "nobody-online"],
            "message": {"note": "hello"},
        }))
        .await;
    assert_eq!(reply, json!({"sendTo": "ok"}));
    for client in [&mut alice, &mut bob, &mut bob2] {
        assert_eq!(client.recv_json().await, json!({"note": "hello"}));
    }
    carol.expect_silence(QUIET).await;
    sender.expect_silence(Duration::ZERO).await;
}

#[tokio::test]
async fn send_to_a_user_listed_twice_delivers_once() {
    let server = server().await;
    let mut alice = as_user(&server, "alice").await;
    let mut sender = server.connect().await;
    let reply = sender
        .ask(json!({"action": "sendto", "users": ["alice", "alice"], "message": 1}))
        .await;
    assert_eq!(reply, json!({"sendTo": "ok"}));
    assert_eq!(alice.recv_json().await, json!(1));
    alice.expect_silence(QUIET).await;
}

#[tokio::test]
async fn send_to_more_than_100_users_is_an_error_and_sends_nothing() {
    let server = server().await;
    let mut alice = as_user(&server, "alice").await;
    let mut sender = server.connect().await;
    let mut users: Vec<String> = (0..100).map(|i| format!("user{i}")).collect();
    users.push("alice".into());
    let reply = sender
        .ask(json!({"action": "sendto", "users": users, "message": "spam"}))
        .await;
    let error = reply["sendTo"]["error"].as_str().expect("an error");
    assert!(error.contains("100"), "the error names the limit: {error}");
    alice.expect_silence(QUIET).await;

    // Exactly 100 is allowed.
    users.remove(0);
    let reply = sender
        .ask(json!({"action": "sendto", "users": users, "message": "ok"}))
        .await;
    assert_eq!(reply, json!({"sendTo": "ok"}));
    assert_eq!(alice.recv_json().await, json!("ok"));
}

#[tokio::test]
async fn is_online_follows_connections() {
    let server = server().await;
    let mut asker = server.connect().await;
    let ask = |user: &str| json!({"action": "online", "user": user});
    assert_eq!(asker.ask(ask("dave")).await["online"], json!(false));

    let dave1 = as_user(&server, "dave").await;
    let dave2 = as_user(&server, "dave").await;
    assert_eq!(asker.ask(ask("dave")).await["online"], json!(true));

    drop(dave1);
    // One device left: still online.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(asker.ask(ask("dave")).await["online"], json!(true));

    let mut dave2 = dave2;
    dave2.ws.close(None).await.unwrap();
    assert!(
        asker.wait_until_offline("dave").await,
        "dave is offline once his last connection closed"
    );
}

#[tokio::test]
async fn one_call_delivers_1000_messages_in_order() {
    let server = server().await;
    let mut client = server.connect().await;
    let mut other = as_user(&server, "erin").await;
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
    let server = server().await;
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
