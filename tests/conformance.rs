//! One test list, run against the conformance app (tests/conformance/README.md)
//! built from each guest language's sources by `switchboard build`, which
//! calls that language's SDK. A new language joins by adding its sources
//! under `tests/conformance/<lang>/` and its name to the list at the end.

use serde_json::{Value, json};
use std::time::Duration;
use switchboard::Settings;
use switchboard_tests::{Client, TestServer, app, unix_now};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// Serves the language's build of the conformance app.
async fn serve(lang: &str) -> TestServer {
    serve_with(lang, |_| {}).await
}

async fn serve_with(lang: &str, tweak: impl FnOnce(&mut Settings)) -> TestServer {
    TestServer::start(&app(&format!("tests/conformance/{lang}")), tweak).await
}

/// Status, `x-lang` header and JSON body of an HTTP request.
async fn http(request: reqwest::RequestBuilder) -> (u16, Option<String>, Value) {
    let response = request.send().await.expect("the request is answered");
    let status = response.status().as_u16();
    let lang = response
        .headers()
        .get("x-lang")
        .map(|value| value.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("a JSON body ({err}), got {status}: {text}"));
    (status, lang, body)
}

/// Connects as `user`, and takes the greeting its `on-online` hook sends.
async fn connect_as(server: &TestServer, user: &str) -> Client {
    let mut client = server
        .connect_with(&format!("/socket?user={user}"), &[])
        .await;
    assert_eq!(
        client.recv_json().await,
        json!({"presence": "online", "user": user})
    );
    client
}

async fn echo_anonymous(lang: &str) {
    let server = serve(lang).await;
    let mut client = server.connect().await;
    let message = json!({"op": "echo", "n": 1, "nested": {"list": [1, "two", null]}});
    assert_eq!(
        client.ask(message.clone()).await,
        json!({"echo": message, "user": null, "claims": null})
    );
}

async fn echo_as_user(lang: &str) {
    let server = serve(lang).await;
    let mut ann = connect_as(&server, "ann").await;
    assert_eq!(
        ann.ask(json!({"op": "echo"})).await,
        json!({"echo": {"op": "echo"}, "user": "ann", "claims": {"via": "conformance"}})
    );
}

async fn authenticate_refuses(lang: &str) {
    let server = serve(lang).await;
    match tokio_tungstenite::connect_async(server.url("/socket?deny=1")).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("expected HTTP 401, got {other:?}"),
    }
}

async fn send_to_reaches_each_user(lang: &str) {
    let server = serve(lang).await;
    let mut ann = connect_as(&server, "ann").await;
    let mut bob = connect_as(&server, "bob").await;
    let mut sender = server.connect().await;
    let reply = sender
        .ask(json!({"op": "send_to", "users": ["ann", "bob", "nobody"], "message": {"hi": 1}}))
        .await;
    assert_eq!(reply, json!({"sent_to": 3}));
    assert_eq!(ann.recv_json().await, json!({"hi": 1}));
    assert_eq!(bob.recv_json().await, json!({"hi": 1}));
    sender.expect_silence(Duration::from_millis(200)).await;
}

async fn is_online(lang: &str) {
    let server = serve(lang).await;
    let _ann = connect_as(&server, "ann").await;
    let mut asker = server.connect().await;
    assert_eq!(
        asker.ask(json!({"op": "online", "user": "ann"})).await,
        json!({"user": "ann", "online": true})
    );
    assert_eq!(
        asker.ask(json!({"op": "online", "user": "zed"})).await,
        json!({"user": "zed", "online": false})
    );
}

async fn errors_reach_the_client(lang: &str) {
    let server = serve(lang).await;
    let mut client = server.connect().await;
    assert_eq!(
        client.ask(json!({"op": "fail"})).await,
        json!({"error": "failed on purpose"})
    );
    assert_eq!(
        client.ask(json!({"op": "no such op"})).await,
        json!({"error": "unknown op"})
    );
    // The connection goes on working.
    assert_eq!(client.ask(json!({"op": "echo"})).await["user"], Value::Null);
}

async fn store_round_trip(lang: &str) {
    let server = serve(lang).await;
    let mut client = server.connect().await;
    assert_eq!(
        client
            .ask(json!({"op": "store", "key": "colour", "value": "teal"}))
            .await,
        json!({"stored": "teal"})
    );
}

/// A store call the host refuses (here a key over 256 bytes, for a read
/// and a set read) comes back to the guest as an error, not a trap, and
/// its reason reaches the guest unchanged.
async fn store_errors_reach_the_guest(lang: &str) {
    let server = serve(lang).await;
    let mut client = server.connect().await;
    assert_eq!(
        client.ask(json!({"op": "store_error"})).await,
        json!({"get": "key is longer than 256 bytes", "members": "key is longer than 256 bytes"})
    );
}

async fn data_kinds_sent(lang: &str) {
    let server = serve(lang).await;
    let mut client = server.connect().await;
    client.send_json(json!({"op": "binary"})).await;
    assert_eq!(client.recv().await, Message::binary(vec![0u8, 1, 2, 255]));
    client.send_json(json!({"op": "text"})).await;
    assert_eq!(client.recv().await, Message::text("plain text"));
}

async fn text_data_type_and_params(lang: &str) {
    let server = serve(lang).await;
    let mut client = server.connect().await;
    // Spaces and key order survive: the handler gets the frame undecoded.
    let raw = r#"{"room": "lobby",  "action":"text"}"#;
    client.send(Message::text(raw)).await;
    assert_eq!(
        client.recv_json().await,
        json!({"room": "lobby", "raw": raw})
    );
}

async fn presence_hooks_run(lang: &str) {
    let server = serve(lang).await;
    let ann = connect_as(&server, "ann").await;
    drop(ann);
    let mut observer = server.connect().await;
    for _ in 0..100 {
        let reply = observer
            .ask(json!({"op": "members", "key": "offline_seen"}))
            .await;
        if reply == json!({"members": ["ann"]}) {
            let online = observer
                .ask(json!({"op": "members", "key": "online_seen"}))
                .await;
            assert_eq!(online, json!({"members": ["ann"]}));
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("on-offline did not run for ann");
}

/// A user that `authenticate` gave an `expires-at` is disconnected then,
/// with 4001.
async fn connection_ends_at_expires_at(lang: &str) {
    let server = serve(lang).await;
    let expires = unix_now() + 2;
    let opened = std::time::Instant::now();
    let mut ann = server
        .connect_with(&format!("/socket?user=ann&expires={expires}"), &[])
        .await;
    let (code, reason) = ann.recv_close().await;
    assert_eq!((code, reason.as_str()), (4001, "token expired"));
    // `expires` is whole seconds: between 1 and 2 s from `opened`.
    let after = opened.elapsed();
    assert!(
        after >= Duration::from_millis(900) && after < Duration::from_secs(5),
        "closed after {after:?}"
    );
}

/// `api/echo/[id]`: the request as the handler saw it, with the route
/// param and the user `authenticate` gave; `x-send` reaches the user's
/// sockets, and fails with the host's reason when there is no user.
async fn http_echo_and_send(lang: &str) {
    let server = serve(lang).await;
    let mut ann = connect_as(&server, "ann").await;
    let client = reqwest::Client::new();
    let base = format!("http://{}", server.addr);
    let request = client
        .put(format!("{base}/api/echo/a%20b?user=ann"))
        .header("x-probe", "probe")
        .header("x-send", "1")
        .body("héllo");
    let (status, header, body) = http(request).await;
    assert_eq!((status, header.as_deref()), (200, Some(lang)), "{body}");
    assert_eq!(
        body,
        json!({"lang": lang, "method": "PUT", "path": "/api/echo/a%20b?user=ann",
               "id": "a b", "user": "ann", "header": "probe", "body": "héllo"})
    );
    assert_eq!(ann.recv_json().await, json!({"from": lang, "via": "http"}));

    let (status, _, body) = http(client.get(format!("{base}/api/echo/7"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["user"], &body["header"], &body["body"]),
        (&Value::Null, &Value::Null, &json!(""))
    );
    let (status, _, body) = http(
        client
            .post(format!("{base}/api/echo/7"))
            .header("x-send", "1"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let error = body["error"].as_str().unwrap_or_default();
    assert!(error.contains("no authenticated user"), "{body}");
}

/// `api/fetch`: an outbound GET to an allowed local server, and the
/// error (not a trap) when the host denies it.
async fn http_fetch(lang: &str) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = listener.local_addr().unwrap();
    let router = axum::Router::new().route("/up", axum::routing::get(|| async { "from upstream" }));
    tokio::spawn(async move { axum::serve(listener, router).await });
    let server = serve_with(lang, |settings| {
        settings.http.allowed_outbound_hosts = vec![format!("http://{upstream}")];
    })
    .await;
    let client = reqwest::Client::new();
    let fetch = |target: String| {
        let target: String = form_urlencoded::byte_serialize(target.as_bytes()).collect();
        client.get(format!("http://{}/api/fetch?url={target}", server.addr))
    };
    let (status, _, body) = http(fetch(format!("http://{upstream}/up"))).await;
    assert_eq!(
        (status, body),
        (200, json!({"status": 200, "body": "from upstream"}))
    );
    let (status, _, body) = http(fetch("http://127.0.0.1:1/up".into())).await;
    assert_eq!(status, 502, "{body}");
    let error = body["error"].as_str().unwrap_or_default().to_lowercase();
    assert!(error.contains("denied"), "{body}");
}

/// `action_context`: the call context of a socket handler.
async fn socket_call_context(lang: &str) {
    let server = serve(lang).await;
    let mut ann = connect_as(&server, "ann").await;
    assert_eq!(
        ann.ask(json!({"action": "context"})).await,
        json!({"context": {"user": "ann", "params": {}}})
    );
    assert_eq!(
        ann.ask(json!({"action": "context", "room": "r1"})).await,
        json!({"context": {"user": "ann", "params": {"room": "r1"}}})
    );
    let mut anonymous = server.connect().await;
    assert_eq!(
        anonymous.ask(json!({"action": "context"})).await,
        json!({"context": {"user": null, "params": {}}})
    );
}

/// The test list, once per language.
/// Retries come quickly, so that a test of two attempts is short.
async fn serve_jobs(lang: &str) -> TestServer {
    serve_with(lang, |settings| settings.jobs.retry_delay = 0.05).await
}

async fn job_notifies_its_pusher(lang: &str) {
    let server = serve_jobs(lang).await;
    let mut ann = connect_as(&server, "ann").await;
    let reply = ann
        .ask(json!({"op": "enqueue", "payload": {"tag": "t1"}}))
        .await;
    let id = reply["queued"]
        .as_str()
        .unwrap_or_else(|| panic!("{reply}"))
        .to_owned();
    assert_eq!(
        ann.next_with("job").await,
        json!({"job": id, "tag": "t1", "attempt": 1, "context_attempt": 1, "user": "ann", "lang": lang})
    );
}

async fn job_retry_carries_the_attempt(lang: &str) {
    let server = serve_jobs(lang).await;
    let mut ann = connect_as(&server, "ann").await;
    let ask = json!({"op": "enqueue", "payload": {"tag": "t2", "fail_until": 2}, "key": "k-2"});
    let first = ann.ask(ask.clone()).await;
    // The same idempotency key: the same job, queued once.
    assert_eq!(ann.ask(ask).await, first);
    let done = ann.next_with("job").await;
    assert_eq!(
        (done["job"].clone(), done["attempt"].clone()),
        (first["queued"].clone(), json!(2))
    );
    assert_eq!(done["context_attempt"], json!(2));
    ann.expect_silence(Duration::from_millis(300)).await;
}

async fn push_errors_reach_the_guest(lang: &str) {
    let server = serve_jobs(lang).await;
    let mut client = server.connect().await;
    let reply = client
        .ask(json!({"op": "enqueue_to", "queue": "nope"}))
        .await;
    let error = reply["push_error"]
        .as_str()
        .unwrap_or_else(|| panic!("{reply}"));
    assert!(error.contains("there is no queue `nope`"), "{error}");
}

async fn schedule_ticks(lang: &str) {
    let server = serve_jobs(lang).await;
    let mut watcher = connect_as(&server, "watcher").await;
    let tick = watcher.next_with("tick").await;
    assert_eq!(tick["tick"], json!(lang));
    assert_eq!(tick["catch_up"], json!(false));
    assert_eq!(tick["scheduled_at"].as_u64().unwrap() % 1000, 0, "{tick}");
    let error = tick["send_error"]
        .as_str()
        .unwrap_or_else(|| panic!("{tick}"));
    assert!(error.contains("a schedule acts for no user"), "{error}");
}

/// `action_warm` keeps its counter between calls until a call fails;
/// `action_fresh`, the same code in fresh instances, never does.
async fn warm_instances_keep_module_state(lang: &str) {
    let server = serve(lang).await;
    let mut client = server.connect().await;
    for n in 1..=3 {
        let reply = client.ask(json!({"action": "warm"})).await;
        assert_eq!(reply, json!({"count": n, "mode": "warm"}));
    }
    let reply = client.ask(json!({"action": "warm", "spin": true})).await;
    let error = reply["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("fuel") || error.contains("timed out"),
        "{reply}"
    );
    // The instance that ran out was dropped: the next call starts afresh.
    let reply = client.ask(json!({"action": "warm"})).await;
    assert_eq!(reply, json!({"count": 1, "mode": "warm"}));
    for _ in 0..3 {
        let reply = client.ask(json!({"action": "fresh"})).await;
        assert_eq!(reply, json!({"count": 1, "mode": "fresh"}));
    }
}

macro_rules! conformance {
    ($($lang:ident),* $(,)?) => {$(
        mod $lang {
            const LANG: &str = stringify!($lang);

            #[tokio::test]
            async fn echo_anonymous() { super::echo_anonymous(LANG).await }
            #[tokio::test]
            async fn echo_as_user() { super::echo_as_user(LANG).await }
            #[tokio::test]
            async fn authenticate_refuses() { super::authenticate_refuses(LANG).await }
            #[tokio::test]
            async fn send_to_reaches_each_user() { super::send_to_reaches_each_user(LANG).await }
            #[tokio::test]
            async fn is_online() { super::is_online(LANG).await }
            #[tokio::test]
            async fn errors_reach_the_client() { super::errors_reach_the_client(LANG).await }
            #[tokio::test]
            async fn store_round_trip() { super::store_round_trip(LANG).await }
            #[tokio::test]
            async fn store_errors_reach_the_guest() { super::store_errors_reach_the_guest(LANG).await }
            #[tokio::test]
            async fn data_kinds_sent() { super::data_kinds_sent(LANG).await }
            #[tokio::test]
            async fn text_data_type_and_params() { super::text_data_type_and_params(LANG).await }
            #[tokio::test]
            async fn presence_hooks_run() { super::presence_hooks_run(LANG).await }
            #[tokio::test]
            async fn connection_ends_at_expires_at() { super::connection_ends_at_expires_at(LANG).await }
            #[tokio::test]
            async fn http_echo_and_send() { super::http_echo_and_send(LANG).await }
            #[tokio::test]
            async fn http_fetch() { super::http_fetch(LANG).await }
            #[tokio::test]
            async fn socket_call_context() { super::socket_call_context(LANG).await }
            #[tokio::test]
            async fn job_notifies_its_pusher() { super::job_notifies_its_pusher(LANG).await }
            #[tokio::test]
            async fn job_retry_carries_the_attempt() { super::job_retry_carries_the_attempt(LANG).await }
            #[tokio::test]
            async fn push_errors_reach_the_guest() { super::push_errors_reach_the_guest(LANG).await }
            #[tokio::test]
            async fn schedule_ticks() { super::schedule_ticks(LANG).await }
            #[tokio::test]
            async fn warm_instances_keep_module_state() {
                super::warm_instances_keep_module_state(LANG).await
            }
        }
    )*};
}

conformance!(rust, js, ts, python, c);
