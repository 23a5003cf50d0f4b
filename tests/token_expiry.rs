//! Connections end with their token: at a JWT's `exp`, or at the
//! `expires-at` an `authenticate` component gave, the server closes the
//! connection with 4001 and the user goes offline, unless
//! `--jwt-keep-expired-connections` is set.

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use switchboard::Settings;
use switchboard_tests::{Client, TempApp, TestServer, app, app_subset, unix_now};
use tokio_tungstenite::tungstenite::Error as WsError;

use switchboard_tests::tokens::SECRET;

fn token(claims: Value) -> String {
    switchboard_tests::tokens::hs256(&claims, SECRET)
}

/// The basic app's probe and `online` routes, without its `authenticate`,
/// behind the built-in JWT check; anonymous clients may watch.
async fn jwt_server(tweak: impl FnOnce(&mut Settings)) -> (TestServer, TempApp) {
    let app = app_subset(
        &app("tests/apps/basic"),
        &["action_enter.wasm", "action_online.wasm"],
    );
    let server = TestServer::start(&app.0, |settings| {
        settings.jwt.secret = Some(SECRET.into());
        settings.jwt.allow_anonymous = true;
        tweak(settings);
    })
    .await;
    (server, app)
}

async fn connect_with_token(server: &TestServer, sub: &str, exp: u64) -> Client {
    let token = token(json!({"sub": sub, "exp": exp}));
    server
        .connect_with("/socket", &[("authorization", &format!("Bearer {token}"))])
        .await
}

/// Asserts the close is 4001 and came between 0.9 and 5 s after `opened`
/// (a token's `exp` is whole seconds, so 2 s ahead is 1 to 2 s away).
fn assert_expired_close(close: (u16, String), opened: Instant) {
    assert_eq!((close.0, close.1.as_str()), (4001, "token expired"));
    let after = opened.elapsed();
    assert!(
        after >= Duration::from_millis(900) && after < Duration::from_secs(5),
        "closed after {after:?}"
    );
}

#[tokio::test]
async fn a_jwt_connection_closes_with_4001_at_exp_and_goes_offline() {
    let (server, _app) = jwt_server(|_| {}).await;
    let mut watcher = server.connect().await;
    let opened = Instant::now();
    let mut ann = connect_with_token(&server, "ann", unix_now() + 2).await;
    assert_eq!(
        ann.ask(json!({"action": "enter"})).await["user"]["id"],
        json!("ann")
    );
    assert_eq!(
        watcher
            .ask(json!({"action": "online", "user": "ann"}))
            .await["online"],
        json!(true)
    );
    assert_expired_close(ann.recv_close().await, opened);
    assert!(watcher.wait_until_offline("ann").await);
}

#[tokio::test]
async fn keep_expired_connections_leaves_the_connection_open() {
    let (server, _app) = jwt_server(|settings| settings.jwt.keep_expired_connections = true).await;
    let mut ann = connect_with_token(&server, "ann", unix_now() + 1).await;
    ann.expect_silence(Duration::from_millis(2500)).await;
    assert_eq!(
        ann.ask(json!({"action": "enter"})).await["user"]["id"],
        json!("ann"),
        "still open and still ann past exp"
    );
}

#[tokio::test]
async fn a_token_without_exp_is_refused() {
    let (server, _app) = jwt_server(|_| {}).await;
    let token = token(json!({"sub": "ann"}));
    let url = server.url(&format!("/socket?token={token}"));
    match tokio_tungstenite::connect_async(url).await {
        Err(WsError::Http(response)) => {
            assert_eq!(response.status(), 401);
            let body: Value = serde_json::from_slice(response.body().as_deref().unwrap()).unwrap();
            let reason = body["error"].as_str().unwrap();
            assert!(reason.contains("exp"), "{reason}");
        }
        other => panic!("expected HTTP 401, got {other:?}"),
    }
}

/// The Rust conformance app: `authenticate` gives `expires-at` from
/// `?expires=`, and `on-offline` records the user in `offline_seen`.
#[tokio::test]
async fn an_authenticate_expiry_closes_with_4001_and_runs_on_offline() {
    let server = TestServer::start(&app("tests/conformance/rust"), |_| {}).await;
    let mut watcher = server.connect().await;
    let opened = Instant::now();
    let mut ann = server
        .connect_with(&format!("/socket?user=ann&expires={}", unix_now() + 2), &[])
        .await;
    assert_eq!(
        ann.recv_json().await,
        json!({"presence": "online", "user": "ann"})
    );
    assert_expired_close(ann.recv_close().await, opened);
    for _ in 0..100 {
        let seen = watcher
            .ask(json!({"op": "members", "key": "offline_seen"}))
            .await;
        if seen == json!({"members": ["ann"]}) {
            assert_eq!(
                watcher.ask(json!({"op": "online", "user": "ann"})).await,
                json!({"user": "ann", "online": false})
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("on-offline did not run for ann");
}

#[tokio::test]
async fn an_expires_at_in_the_past_closes_at_once() {
    let server = TestServer::start(&app("tests/conformance/rust"), |_| {}).await;
    let mut ann = server
        .connect_with(
            &format!("/socket?user=ann&expires={}", unix_now() - 10),
            &[],
        )
        .await;
    let opened = Instant::now();
    let (code, _) = ann.recv_close().await;
    assert_eq!(code, 4001);
    assert!(opened.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn the_jwt_leeway_keeps_a_connection_open_past_exp() {
    let (server, _app) = jwt_server(|settings| settings.jwt.leeway = 3).await;
    let opened = Instant::now();
    // Expires in 1 to 2 s; the leeway keeps it until 4 to 5 s.
    let mut ann = connect_with_token(&server, "ann", unix_now() + 2).await;
    ann.expect_silence(Duration::from_millis(2500)).await;
    let (code, reason) = ann.recv_close().await;
    assert_eq!((code, reason.as_str()), (4001, "token expired"));
    let after = opened.elapsed();
    assert!(after >= Duration::from_secs(3), "closed after {after:?}");
}
