//! The admin API against its OpenAPI document
//! (`host/src/server/admin/openapi.json`, served at
//! `/_switchboard/openapi.json`): `tests/fuzz/admin.sh` runs schemathesis
//! and its probes against a real server with users online and dead jobs.
//! Needs `tests/.venv` (scripts/setup). The script's ADMIN_FUZZ_* variables
//! pass through (ADMIN_FUZZ_SEED replays a run; ADMIN_FUZZ_SCHEMA tests a
//! document other than the served one).

use futures_util::StreamExt;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};
use switchboard_tests::{Message, TestServer, app, connect, repo_root};

const TOKEN: &str = "admin-fuzz-token";

/// Keeps `user` online: connects, waits until the server closes the
/// connection (the fuzzer disconnects users), and connects again, so that
/// the user routes have someone to find for the whole run.
fn keep_online(addr: SocketAddr, user: &'static str) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let mut client = connect(addr, &[("x-user", user)]).await;
            while let Some(Ok(message)) = client.ws.next().await {
                if let Message::Close(_) = message {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
}

/// Polls the admin route `path` until `done` holds for its JSON; panics
/// after 20 s.
async fn wait_for(admin: SocketAddr, path: &str, done: impl Fn(&Value) -> bool) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let body: Value = client
            .get(format!("http://{admin}{path}"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("the admin listener answers")
            .json()
            .await
            .unwrap_or(Value::Null);
        if done(&body) {
            return;
        }
        assert!(Instant::now() < deadline, "{path} never got there: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn schemathesis_finds_no_500_and_no_schema_mismatch() {
    let root = repo_root();
    let schemathesis = root.join("tests/.venv/bin/schemathesis");
    assert!(
        schemathesis.exists(),
        "{} is missing: run scripts/setup (or tests/fuzz/setup-venv) to install schemathesis",
        schemathesis.display()
    );
    let server = TestServer::start(&app("tests/apps/jobs"), |settings| {
        settings.listen.admin = Some("127.0.0.1:0".parse().unwrap());
        settings.listen.admin_token = Some(TOKEN.into());
        // Dead letters come within a second, and a requeued one dies again.
        settings.jobs.retry_delay = 0.05;
    })
    .await;
    let admin = server.admin.expect("admin routes are on");

    // Two dead jobs for the dead-letter routes (notify fails until attempt 99).
    let mut pusher = server.connect_as("ann").await;
    for _ in 0..2 {
        pusher
            .send_json(json!({"op": "push", "queue": "notify", "payload": {"fail_until": 99}}))
            .await;
        // Past the first job's progress messages, if any come first.
        pusher.next_with("queued").await;
    }
    wait_for(admin, "/_switchboard/dead", |dead| {
        dead.as_array().is_some_and(|list| list.len() >= 2)
    })
    .await;
    // The payload as the JSON value pushed, not its text (which the
    // document's "any JSON" cannot tell apart); checked after the fuzzing,
    // so that both verdicts show.
    let dead: Value = reqwest::Client::new()
        .get(format!("http://{admin}/_switchboard/dead"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let payload = dead[0]["payload"].clone();
    // Users online for the user routes: ann on two devices, bob and carol.
    let online: Vec<_> = ["ann", "ann", "bob", "carol"]
        .into_iter()
        .map(|user| keep_online(server.addr, user))
        .collect();
    wait_for(admin, "/_switchboard/users", |page| {
        page["users"]
            .as_array()
            .is_some_and(|users| users.len() >= 3)
    })
    .await;

    // The fuzzer blocks for a minute or so; the server runs on meanwhile.
    let script = root.join("tests/fuzz/admin.sh");
    let base = format!("http://{admin}");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .arg(script)
            .arg(base)
            .arg(TOKEN)
            .output()
            .expect("bash runs tests/fuzz/admin.sh")
    })
    .await
    .unwrap();
    for task in online {
        task.abort();
    }
    drop(pusher);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        payload,
        json!({"fail_until": 99}),
        "GET /_switchboard/dead gives a job's payload as pushed; the fuzzer said:\n{stdout}\n{stderr}"
    );
    assert!(
        output.status.success(),
        "tests/fuzz/admin.sh failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    // Even when it passes, its summary is worth a look in `--nocapture`.
    println!("{stdout}");
}
