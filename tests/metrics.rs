//! `/metrics` after known traffic: scraped from the admin listener, parsed
//! by the `prometheus_client` library's parser, and checked by Debian's
//! `promtool`. Needs `scripts/setup` (the Python venv and promtool).

use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use switchboard_tests::{TestServer, app, app_subset, repo_root};
use tokio_tungstenite::tungstenite::Message;

const TOKEN: &str = "metrics-test-token";

/// One sample of the scrape.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: serde_json::Map<String, Value>,
    value: f64,
}

/// The scrape, parsed.
struct Scrape(Vec<Sample>);

impl Scrape {
    /// The value of the sample `name` whose labels include `labels`
    /// (0 when there is none).
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.0
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k) == Some(&json!(v)))
            })
            .map(|s| s.value)
            .sum()
    }
}

/// `GET /metrics` with the token.
async fn get_metrics(server: &TestServer) -> reqwest::Response {
    let url = format!("http://{}/metrics", server.admin.unwrap());
    reqwest::Client::new()
        .get(url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
}

async fn scrape_text(server: &TestServer) -> String {
    let response = get_metrics(server).await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    response.text().await.unwrap()
}

/// Runs `program args` with `input` on stdin; panics with its output if it
/// fails.
fn pipe(program: &std::path::Path, args: &[&str], input: &str) -> String {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("{} runs (run scripts/setup): {err}", program.display()));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(
        output.status.success(),
        "{} failed:\n{stdout}\n{stderr}",
        program.display()
    );
    stdout
}

async fn scrape(server: &TestServer) -> Scrape {
    let text = scrape_text(server).await;
    let python = repo_root().join("tests/.venv/bin/python");
    let parser = repo_root().join("tests/tools/parse_metrics.py");
    let parser = parser.to_str().unwrap().to_owned();
    let lines = tokio::task::spawn_blocking(move || pipe(&python, &[&parser], &text))
        .await
        .unwrap();
    Scrape(
        lines
            .lines()
            .map(|line| {
                let sample: Value = serde_json::from_str(line).unwrap();
                Sample {
                    name: sample["name"].as_str().unwrap().to_owned(),
                    labels: sample["labels"].as_object().unwrap().clone(),
                    value: sample["value"].as_f64().unwrap(),
                }
            })
            .collect(),
    )
}

async fn serve(app_dir: &std::path::Path) -> TestServer {
    TestServer::start(app_dir, |settings| {
        settings.listen.admin = Some("127.0.0.1:0".parse().unwrap());
        settings.listen.admin_token = Some(TOKEN.into());
    })
    .await
}

#[tokio::test]
async fn the_numbers_move_as_the_traffic_did() {
    let files = [
        "index.wasm",
        "action_send.wasm",
        "action_fail.wasm",
        "action_panic.wasm",
        "action_enter.wasm",
        "[room]/index.wasm",
    ];
    let app = app_subset(&app("tests/apps/basic"), &files);
    let server = serve(&app.0).await;
    let before = scrape(&server).await;
    assert_eq!(before.value("switchboard_connections", &[]), 0.0);

    let mut ann = server.connect_as("ann").await;
    let mut anon = server.connect().await;
    for i in 0..3 {
        let reply = ann
            .ask(json!({"action": "send", "message": {"n": i}}))
            .await;
        assert_eq!(reply, json!({"n": i}));
    }
    // A guest error, a trap, a frame that is not JSON, and a binary one.
    assert!(anon.ask(json!({"action": "fail"})).await["error"].is_string());
    assert!(anon.ask(json!({"action": "panic"})).await["error"].is_string());
    anon.send(Message::text("{not json")).await;
    assert!(anon.recv_json().await["error"].is_string());
    anon.send(Message::binary(vec![0xff, 0x00])).await;
    assert!(anon.recv_json().await["error"].is_string());
    // A swap: a new version of one component.
    let file = app.0.join("socket/action_enter.wasm");
    let probe = std::fs::read(app.0.join("socket/[room]/index.wasm")).unwrap();
    std::fs::write(&file, probe).unwrap();

    let deadline = Instant::now() + Duration::from_secs(10);
    let after = loop {
        let after = scrape(&server).await;
        if after.value("switchboard_component_swaps_total", &[]) >= 1.0 || Instant::now() > deadline
        {
            break after;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(after.value("switchboard_component_swaps_total", &[]), 1.0);
    assert_eq!(after.value("switchboard_connections", &[]), 2.0);
    assert_eq!(after.value("switchboard_users_online", &[]), 1.0);
    assert_eq!(
        after.value("switchboard_connections_opened_total", &[]),
        2.0
    );
    let received = |kind| after.value("switchboard_messages_received_total", &[("kind", kind)]);
    assert_eq!((received("text"), received("binary")), (6.0, 1.0));
    let sent = |source| after.value("switchboard_messages_sent_total", &[("source", source)]);
    assert_eq!(sent("handler"), 3.0);
    assert_eq!(sent("host"), 4.0, "four error replies");
    let calls = |file, outcome| {
        after.value(
            "switchboard_component_calls_total",
            &[("component", file), ("outcome", outcome)],
        )
    };
    assert_eq!(calls("action_send.wasm", "ok"), 3.0);
    assert_eq!(calls("action_fail.wasm", "error"), 1.0);
    assert_eq!(calls("action_panic.wasm", "trap"), 1.0);
    // The text that is not JSON, and the binary frame that is not the
    // UTF-8 its text handler takes.
    let refused = |reason| after.value("switchboard_frames_refused_total", &[("reason", reason)]);
    assert_eq!((refused("bad_json"), refused("bad_utf8")), (1.0, 1.0));
    let handler_calls = after.value(
        "switchboard_component_call_duration_seconds_count",
        &[("kind", "handler")],
    );
    let before_calls = before.value(
        "switchboard_component_call_duration_seconds_count",
        &[("kind", "handler")],
    );
    assert_eq!(handler_calls - before_calls, 5.0);

    ann.send(Message::Close(None)).await;
    let _ = ann.recv().await;
    drop(ann);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = scrape(&server).await;
        let closed = now.value("switchboard_connections_closed_total", &[("code", "1005")]);
        if closed == 1.0 && now.value("switchboard_users_online", &[]) == 0.0 {
            break;
        }
        assert!(Instant::now() < deadline, "ann's close was not counted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn promtool_accepts_the_output() {
    let server = serve(&app("tests/apps/jobs")).await;
    let mut client = server.connect().await;
    client.send(Message::text("{\"action\": \"x\"}")).await;
    let _ = client.recv_json().await;
    let text = scrape_text(&server).await;
    let promtool = std::path::PathBuf::from("promtool");
    let checked = tokio::task::spawn_blocking(move || {
        pipe(&promtool, &["check", "metrics"], &text);
        text
    })
    .await
    .unwrap();
    assert!(checked.contains("switchboard_queue_jobs"), "{checked}");
}

#[tokio::test]
async fn with_metrics_off_the_route_says_so() {
    let server = TestServer::start(&app("tests/apps/basic"), |settings| {
        settings.listen.admin = Some("127.0.0.1:0".parse().unwrap());
        settings.listen.admin_token = Some(TOKEN.into());
        settings.listen.metrics = false;
    })
    .await;
    let response = get_metrics(&server).await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("--no-metrics"),
        "{body}"
    );
}
