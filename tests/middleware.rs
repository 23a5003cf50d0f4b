//! Logging middleware: per-route resolution, disable, wrap, sent and
//! error hooks, and failures that never change delivery.

use serde_json::{Value, json};
use std::time::Duration;
use switchboard_tests::{
    Client, LogCapture, TestServer, app, app_subset, capture_logs, error_text, hook_event,
};

const QUIET: Duration = Duration::from_millis(400);

async fn server() -> TestServer {
    TestServer::start(&app("tests/apps/hooks"), |_| {}).await
}

/// Connects the observer, which the hooks report to, and drains the
/// events about itself.
async fn observer(server: &TestServer) -> Client {
    let mut observer = server.connect_as("observer").await;
    observer.drain(QUIET).await;
    observer
}

/// The events of `hook` about `request`.
fn hooks<'a>(events: &'a [Value], hook: &str, request: &Value) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["hook"] == json!(hook) && &e["request"] == request)
        .collect()
}

/// How many default-middleware log lines say that `reply`'s request was
/// received.
fn logged_receipts(logs: &LogCapture, reply: &Value) -> usize {
    let request = reply["requestId"].as_str().unwrap();
    logs.lines_with(&["message received", request]).len()
}

/// The hooks app served, with its observer and an anonymous client.
struct Hooks {
    _server: TestServer,
    observer: Client,
    client: Client,
}

impl Hooks {
    async fn start() -> Hooks {
        let server = server().await;
        let observer = observer(&server).await;
        let client = server.connect().await;
        Hooks {
            _server: server,
            observer,
            client,
        }
    }

    /// Sends a message from the client and returns the probe's reply and
    /// the observer's events.
    async fn exchange(&mut self, message: Value) -> (Value, Vec<Value>) {
        let reply = self.client.ask(message).await;
        (reply, self.observer.drain(QUIET).await)
    }
}

#[tokio::test]
async fn received_hooks_resolve_from_the_handler_up_to_the_root() {
    let mut hooks_app = Hooks::start().await;
    let cases = [
        (json!({"action": "self"}), "action_self", "self"),
        (
            json!({"kind": "a", "action": "x"}),
            "kind_a/action_x",
            "kind_a",
        ),
        (
            json!({"kind": "a", "sub": "s", "action": "y"}),
            "kind_a/[sub]/action_y",
            "kind_a",
        ),
        (json!({"hello": "root"}), "index", "root"),
    ];
    for (message, route, by) in cases {
        let (reply, events) = hooks_app.exchange(message.clone()).await;
        assert_eq!(reply["route"], json!(route));
        let received = hooks(&events, "received", &reply["requestId"]);
        assert_eq!(received.len(), 1, "{route}: {events:?}");
        assert_eq!(received[0]["by"], json!(by), "{route}");
        assert_eq!(received[0]["data"], message);
    }
}

#[tokio::test]
async fn without_middleware_the_default_logs_received_messages_and_errors() {
    let logs = capture_logs();
    let hooks_app = app("tests/apps/hooks");
    let subset = app_subset(&hooks_app, &["index.wasm", "action_fail.wasm"]);
    let server = TestServer::start(&subset.0, |_| {}).await;
    let mut client = server.connect().await;
    let reply = client.ask(json!({"hello": "default"})).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(logged_receipts(&logs, &reply), 1);

    let reply = client.ask(json!({"action": "fail"})).await;
    assert_eq!(reply, json!({"error": "nope"}));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !logs.lines_with(&["WARN", "nope"]).is_empty(),
        "the error is logged"
    );
}

#[tokio::test]
async fn a_wrapping_middleware_runs_with_the_default() {
    let logs = capture_logs();
    let mut hooks_app = Hooks::start().await;
    let (reply, events) = hooks_app
        .exchange(json!({"kind": "a", "action": "x"}))
        .await;
    assert_eq!(hooks(&events, "received", &reply["requestId"]).len(), 1);
    assert_eq!(logged_receipts(&logs, &reply), 1, "the default ran too");

    // The root handles (not wraps), so the default stays quiet there.
    let (reply, _) = hooks_app.exchange(json!({"hello": 1})).await;
    assert_eq!(logged_receipts(&logs, &reply), 0);
}

#[tokio::test]
async fn a_disabled_hook_runs_nothing_for_its_routes() {
    let logs = capture_logs();
    let mut hooks_app = Hooks::start().await;
    let (reply, events) = hooks_app
        .exchange(json!({"kind": "b", "action": "x"}))
        .await;
    assert_eq!(reply["route"], json!("kind_b/action_x"));
    assert!(
        events.is_empty(),
        "received and sent are disabled: {events:?}"
    );
    assert_eq!(logged_receipts(&logs, &reply), 0);
}

#[tokio::test]
async fn sent_hooks_see_handler_replies_and_each_send_to_user() {
    let server = server().await;
    let mut observer = observer(&server).await;
    let mut alice = server.connect_as("alice").await;
    let _bob = server.connect_as("bob").await;
    observer.drain(QUIET).await;
    alice.drain(QUIET).await;

    let reply = alice.ask(json!({"hello": "sent"})).await;
    let events = observer.drain(QUIET).await;
    let sent: Vec<&Value> = events
        .iter()
        .filter(|e| e["hook"] == json!("sent"))
        .collect();
    assert_eq!(sent.len(), 1, "{events:?}");
    assert_eq!(sent[0]["by"], json!("root"));
    assert_eq!(sent[0]["user"], json!("alice"));
    assert_eq!(sent[0]["data"], reply);

    alice
        .send_json(json!({"action": "sendto", "users": ["alice", "bob"], "message": {"n": 1}}))
        .await;
    let events = observer.drain(QUIET).await;
    let mut to: Vec<(Value, Value, Value, Value)> = events
        .iter()
        .filter(|e| e["hook"] == json!("sent"))
        .map(|e| {
            let at = (e["index"].clone(), e["of"].clone());
            (at.0, at.1, e["user"].clone(), e["data"].clone())
        })
        .collect();
    to.sort_by_key(|(index, ..)| index.as_u64());
    // One hook call, with the messages in the order they were sent.
    assert_eq!(
        to,
        [
            (json!(0), json!(3), json!("alice"), json!({"n": 1})),
            (json!(1), json!(3), json!("bob"), json!({"n": 1})),
            (json!(2), json!(3), json!("alice"), json!({"text": "done"})),
        ]
    );
}

#[tokio::test]
async fn a_send_to_of_100_users_is_one_sent_hook_call() {
    let server = server().await;
    let mut observer = observer(&server).await;
    let mut alice = server.connect_as("alice").await;
    observer.drain(QUIET).await;
    alice.drain(QUIET).await;
    let users: Vec<String> = (0..100).map(|n| format!("user{n}")).collect();
    alice
        .send_json(json!({"action": "sendto", "users": users, "message": {"n": 2}}))
        .await;
    let events = observer.drain(QUIET).await;
    let sent: Vec<&Value> = events
        .iter()
        .filter(|e| e["hook"] == json!("sent"))
        .collect();
    assert_eq!(sent.len(), 101, "100 users and the reply");
    assert!(sent.iter().all(|e| e["of"] == json!(101)), "{sent:?}");
    for (n, user) in users.iter().enumerate() {
        let event = sent.iter().find(|e| e["index"] == json!(n)).unwrap();
        assert_eq!(event["user"], json!(user));
    }
}

#[tokio::test]
async fn handler_errors_reach_on_error_with_the_request() {
    let mut hooks_app = Hooks::start().await;
    let (reply, events) = hooks_app.exchange(json!({"action": "fail"})).await;
    assert_eq!(reply, json!({"error": "nope"}));
    let errors: Vec<&Value> = events
        .iter()
        .filter(|e| e["hook"] == json!("error"))
        .collect();
    assert_eq!(errors.len(), 1, "{events:?}");
    assert_eq!(errors[0]["error"], json!("nope"));
    assert!(errors[0]["request"].is_string());
}

#[tokio::test]
async fn a_trapping_logging_hook_changes_no_delivery() {
    let mut hooks_app = Hooks::start().await;
    let (reply, events) = hooks_app
        .exchange(json!({"kind": "t", "action": "x"}))
        .await;
    assert_eq!(
        reply["route"],
        json!("kind_t/action_x"),
        "the handler still answered"
    );
    // On-error heard of it.
    let error = error_text(hook_event(&events, "error"));
    assert!(
        error.contains("on-message-received in kind_t/_middleware.wasm failed"),
        "{error}"
    );
    // And the connection keeps working.
    let reply = hooks_app.client.ask(json!({"hello": 2})).await;
    assert_eq!(reply["route"], json!("index"));
}
