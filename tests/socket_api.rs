//! `send`, `send-to` and `is-online` through real sockets.

use serde_json::json;
use std::time::Duration;
use switchboard_tests::{TestServer, app};

async fn server() -> TestServer {
    TestServer::start(&app("tests/apps/basic"), |_| {}).await
}

#[tokio::test]
async fn anonymous_send_reaches_only_this_connection() {
    let server = server().await;
    let mut a = server.connect().await;
    let mut b = server.connect().await;
    let reply = a.ask(json!({"action": "send", "message": {"hi": 1}})).await;
    assert_eq!(reply, json!({"hi": 1}));
    b.expect_silence(Duration::from_millis(300)).await;
}
