//! Components swapped while serving: connections stay open, routes change
//! atomically, and bad files never replace good ones.

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use switchboard_tests::{Client, TempApp, TestServer, app, app_subset, capture_logs};

/// The probe components of the test app; each answers with its route name.
fn probe(route_file: &str) -> Vec<u8> {
    std::fs::read(app("tests/apps/basic").join("socket").join(route_file)).unwrap()
}

/// A temporary app whose `index.wasm` is the `action_enter` probe.
fn temp_app() -> TempApp {
    let subset = app_subset(&app("tests/apps/basic"), &[]);
    std::fs::write(index(&subset), probe("action_enter.wasm")).unwrap();
    subset
}

fn index(app: &TempApp) -> PathBuf {
    app.0.join("socket/index.wasm")
}

/// Probes until the reply comes from `route`, which it returns; panics
/// after five seconds.
async fn wait_for_route(client: &mut Client, route: &str) -> Value {
    client
        .ask_until(json!({"probe": true}), |reply| {
            reply["route"] == json!(route)
        })
        .await
}

/// Serves `app` and connects to it anonymously.
async fn serve(app: &TempApp) -> (TestServer, Client) {
    let server = TestServer::start(&app.0, |_| {}).await;
    let client = server.connect().await;
    (server, client)
}

fn write_in_place(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn a_swap_keeps_the_connection_and_the_next_message_uses_the_new_version() {
    let logs = capture_logs();
    let app = temp_app();
    let (_server, mut client) = serve(&app).await;
    let before = client.ask(json!({"probe": true})).await;
    assert_eq!(before["route"], json!("action_enter"));

    let written = Instant::now();
    write_in_place(&index(&app), &probe("[room]/index.wasm"));
    let after = wait_for_route(&mut client, "[room]/index").await;
    assert!(
        written.elapsed() < Duration::from_secs(2),
        "took {:?}",
        written.elapsed()
    );
    assert_eq!(after["connection"], before["connection"], "same connection");

    // The swap is logged with the file, both hashes and the load time.
    let old_hash = switchboard::runtime::content_hash(&probe("action_enter.wasm"));
    let new_hash = switchboard::runtime::content_hash(&probe("[room]/index.wasm"));
    let lines = logs.lines_with(&[
        "swapped component",
        &format!("old_hash=\"{}\"", &old_hash[..12]),
        &format!("new_hash=\"{}\"", &new_hash[..12]),
        "ms=",
    ]);
    // Other tests in this process swap the same files, so there may be more.
    assert!(!lines.is_empty(), "the swap is logged");
}

#[tokio::test]
async fn messages_in_flight_during_a_swap_are_each_answered_once() {
    let app = temp_app();
    let (_server, mut client) = serve(&app).await;
    for n in 0..100 {
        client.send_json(json!({"n": n})).await;
    }
    write_in_place(&index(&app), &probe("[room]/index.wasm"));
    for n in 100..200 {
        client.send_json(json!({"n": n})).await;
        if n % 20 == 0 {
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }
    let mut seen = BTreeSet::new();
    let mut switched = false;
    for _ in 0..200 {
        let reply = client.recv_json().await;
        let n = reply["data"]["n"].as_u64().unwrap();
        assert!(seen.insert(n), "message {n} answered twice");
        match reply["route"].as_str().unwrap() {
            "action_enter" => assert!(!switched, "old version after new for {n}"),
            "[room]/index" => switched = true,
            other => panic!("unexpected route {other}"),
        }
    }
    assert_eq!(seen.len(), 200);
    client.expect_silence(Duration::from_millis(200)).await;
    wait_for_route(&mut client, "[room]/index").await;
}

#[tokio::test]
async fn a_bad_file_keeps_the_previous_version_until_a_good_one_arrives() {
    let app = temp_app();
    let (_server, mut client) = serve(&app).await;
    let good = probe("[room]/index.wasm");
    for bad in [b"not wasm at all".to_vec(), good[..good.len() / 2].to_vec()] {
        write_in_place(&index(&app), &bad);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let reply = client.ask(json!({"probe": true})).await;
        assert_eq!(
            reply["route"],
            json!("action_enter"),
            "the old version still serves"
        );
    }
    write_in_place(&index(&app), &good);
    wait_for_route(&mut client, "[room]/index").await;
}

#[tokio::test]
async fn a_file_written_in_two_halves_loads_once_complete() {
    let app = temp_app();
    let (_server, mut client) = serve(&app).await;
    let good = probe("[room]/index.wasm");
    let path = index(&app);
    let (first, second) = good.split_at(good.len() / 2);
    std::fs::write(&path, first).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(second).unwrap();
    }
    wait_for_route(&mut client, "[room]/index").await;
}

#[tokio::test]
async fn write_to_a_temporary_name_then_rename() {
    let app = temp_app();
    let (_server, mut client) = serve(&app).await;
    let tmp = app.0.join("socket/.index.wasm.swp");
    std::fs::write(&tmp, probe("[room]/index.wasm")).unwrap();
    std::fs::rename(&tmp, index(&app)).unwrap();
    wait_for_route(&mut client, "[room]/index").await;
}

#[tokio::test]
async fn new_files_add_routes_and_deleted_files_remove_them() {
    let app = temp_app();
    let (_server, mut client) = serve(&app).await;
    let added = app.0.join("socket/action_send.wasm");
    std::fs::write(&added, probe("action_send.wasm")).unwrap();
    // The route is added.
    client
        .ask_until(json!({"action": "send", "message": "added"}), |reply| {
            *reply == json!("added")
        })
        .await;
    std::fs::remove_file(&added).unwrap();
    std::fs::remove_file(index(&app)).unwrap();
    // Both routes are removed.
    client
        .ask_until(json!({"action": "send", "message": "x"}), |reply| {
            *reply == json!({"error": "no handler for this message"})
        })
        .await;
}

#[tokio::test]
async fn swapping_the_authenticator_changes_new_connections_only() {
    let app = temp_app();
    // Authenticates by the x-user header.
    std::fs::write(app.0.join("socket/_middleware.wasm"), probe("index.wasm")).unwrap();
    let server = TestServer::start(&app.0, |_| {}).await;
    let mut alice = server.connect_as("alice").await;
    assert_eq!(
        alice.ask(json!({"probe": 1})).await["user"]["id"],
        json!("alice")
    );

    // Authenticates by ?name= instead.
    let whisper_auth =
        std::fs::read(app_dir("examples/whisper").join("socket/_middleware.wasm")).unwrap();
    std::fs::write(app.0.join("socket/_middleware.wasm"), whisper_auth).unwrap();
    let started = Instant::now();
    loop {
        let mut probe_client = server.connect_with("/socket?name=carl", &[]).await;
        let user = probe_client.ask(json!({"probe": 1})).await["user"].clone();
        if user["id"] == json!("carl") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "authenticator never swapped"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut bob = server.connect_as("bob").await;
    assert_eq!(
        bob.ask(json!({"probe": 1})).await["user"],
        Value::Null,
        "old rules are gone"
    );
    assert_eq!(
        alice.ask(json!({"probe": 2})).await["user"]["id"],
        json!("alice"),
        "the existing connection keeps its user"
    );
}

fn app_dir(name: &str) -> PathBuf {
    app(name)
}

#[tokio::test]
async fn the_admin_route_lists_loaded_versions() {
    let app = temp_app();
    let server = TestServer::start(&app.0, |config| {
        config.listen.admin = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let admin = server.admin.expect("admin routes are on");
    let body = switchboard_tests::http_get(admin, "/_switchboard/components").await;
    let list: Value = serde_json::from_str(body.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    let entry = &list[0];
    assert_eq!(entry["file"], json!("index.wasm"));
    assert_eq!(entry["route"], json!("index"));
    assert_eq!(entry["exports"], json!(["handler"]));
    assert_eq!(entry["config"]["dataType"], json!("json"));
    let hash = switchboard::runtime::content_hash(&probe("action_enter.wasm"));
    assert_eq!(entry["hash"], json!(hash));
    assert!(entry["loadedAt"].as_f64().unwrap() > 1.7e9);

    // It is not on the public listener.
    let public = switchboard_tests::http_get(server.addr, "/_switchboard/components").await;
    assert!(public.starts_with("HTTP/1.1 404"), "{public}");
}
