//! The example apps, served as a user would serve them.

use serde_json::json;
use std::time::Duration;
use switchboard_tests::{TestServer, app};

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
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .starts_with("unknown message")
    );
}

#[tokio::test]
async fn whisper_refuses_bad_names() {
    let server = TestServer::start(&app("examples/whisper"), |_| {}).await;
    let request = server.url("/socket?name=no%20spaces");
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401)
        }
        other => panic!("expected a 401, got {:?}", other.map(|_| "a connection")),
    }
}
