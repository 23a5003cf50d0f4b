//! The server send API (`POST /_switchboard/send`,
//! `GET /_switchboard/online`) through real HTTP and real sockets.

use serde_json::{Value, json};
use std::time::Duration;
use switchboard_tests::{Client, TestServer, error_text};
use tokio_tungstenite::tungstenite::Message;

const KEY: &str = "backend-key-for-tests";

async fn server() -> TestServer {
    TestServer::basic_with(|settings| settings.http.api_key = Some(KEY.into())).await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn send(server: &TestServer, key: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = client()
        .post(format!("http://{}/_switchboard/send", server.addr))
        .json(&body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn online(server: &TestServer, user: &str) -> Value {
    let response = client()
        .get(format!(
            "http://{}/_switchboard/online?user={user}",
            server.addr
        ))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn recv_frame(client: &mut Client) -> Message {
    client.recv().await
}

#[tokio::test]
async fn json_text_and_binary_messages_reach_every_connection_of_each_user() {
    let server = server().await;
    let mut phone = server.connect_as("alice").await;
    let mut laptop = server.connect_as("alice").await;
    let mut bob = server.connect_as("bob").await;
    let mut carol = server.connect_as("carol").await;

    let body = json!({"users": ["alice", "bob", "nobody"], "message": {"kind": "notice", "n": 1}});
    assert_eq!(
        send(&server, Some(KEY), body).await,
        (200, json!({"delivered": 3}))
    );
    for client in [&mut phone, &mut laptop, &mut bob] {
        assert_eq!(client.recv_json().await, json!({"kind": "notice", "n": 1}));
    }

    let body = json!({"users": ["bob"], "message": "plain text, not JSON"});
    assert_eq!(
        send(&server, Some(KEY), body).await,
        (200, json!({"delivered": 1}))
    );
    assert_eq!(
        recv_frame(&mut bob).await,
        Message::Text("plain text, not JSON".into())
    );

    let body = json!({"users": ["bob"], "message": {"binary": "AAEC/w=="}});
    assert_eq!(
        send(&server, Some(KEY), body).await,
        (200, json!({"delivered": 1}))
    );
    assert_eq!(
        recv_frame(&mut bob).await,
        Message::Binary(vec![0, 1, 2, 255].into())
    );
    carol.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn the_key_is_required_and_checked() {
    let server = server().await;
    let body = json!({"users": ["alice"], "message": "hi"});
    let (status, reply) = send(&server, None, body.clone()).await;
    assert_eq!(status, 401, "{reply}");
    assert_eq!(send(&server, Some("wrong"), body.clone()).await.0, 401);
    assert_eq!(
        send(&server, Some(&KEY[..KEY.len() - 1]), body).await.0,
        401
    );
    let response = client()
        .get(format!(
            "http://{}/_switchboard/online?user=alice",
            server.addr
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn without_a_key_the_api_is_off() {
    let server = TestServer::basic().await;
    let (status, reply) = send(&server, Some(KEY), json!({"users": [], "message": "hi"})).await;
    assert_eq!(status, 404, "{reply}");
    assert!(error_text(&reply).contains("--api-key"), "{reply}");
}

#[tokio::test]
async fn more_than_100_users_sends_nothing() {
    let server = server().await;
    let mut alice = server.connect_as("alice").await;
    let mut users: Vec<String> = (0..100).map(|i| format!("u{i}")).collect();
    users.push("alice".into());
    let (status, reply) = send(&server, Some(KEY), json!({"users": users, "message": "hi"})).await;
    assert_eq!(status, 400, "{reply}");
    assert!(error_text(&reply).contains("at most 100"), "{reply}");
    alice.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn bad_bodies_get_400() {
    let server = server().await;
    for body in [
        json!({"users": "alice", "message": "hi"}),
        json!({"message": "hi"}),
        json!({"users": ["alice"], "message": {"binary": "not base64!"}}),
        json!({"users": ["alice"], "message": "hi", "extra": 1}),
    ] {
        let (status, reply) = send(&server, Some(KEY), body.clone()).await;
        assert_eq!(status, 400, "{body} -> {reply}");
    }
}

#[tokio::test]
async fn online_answers_for_any_user() {
    let server = server().await;
    let alice = server.connect_as("alice").await;
    assert_eq!(online(&server, "alice").await, json!({"online": true}));
    assert_eq!(online(&server, "bob").await, json!({"online": false}));
    drop(alice);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while online(&server, "alice").await != json!({"online": false}) {
        assert!(
            std::time::Instant::now() < deadline,
            "alice never went offline"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
