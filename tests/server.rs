//! Server-level behaviour: health, static files, slow clients, dead
//! peers, broken components and shutdown.

use futures_util::StreamExt;
use serde_json::json;
use std::time::Duration;
use switchboard_tests::{Message, TestServer, app, app_subset, assert_error, http_get};

#[tokio::test]
async fn healthz_answers_200() {
    let server = TestServer::start(&app("examples/echo"), |_| {}).await;
    let response = http_get(server.addr, "/healthz").await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

#[tokio::test]
async fn public_files_are_served() {
    let subset = app_subset(&app("examples/echo"), &["index.wasm"]);
    std::fs::create_dir_all(subset.0.join("public")).unwrap();
    std::fs::write(subset.0.join("public/index.html"), "<h1>hello page</h1>").unwrap();
    let server = TestServer::start(&subset.0, |_| {}).await;
    let response = http_get(server.addr, "/").await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("<h1>hello page</h1>"));
}

#[tokio::test]
async fn a_broken_component_is_skipped_and_the_rest_are_served() {
    let subset = app_subset(&app("tests/apps/basic"), &["action_enter.wasm"]);
    std::fs::write(
        subset.0.join("socket/action_broken.wasm"),
        b"\0asm not really",
    )
    .unwrap();
    std::fs::write(
        subset.0.join("socket/action_cut.wasm"),
        &std::fs::read(app("tests/apps/basic").join("socket/action_send.wasm")).unwrap()[..100],
    )
    .unwrap();
    let server = TestServer::start(&subset.0, |_| {}).await;
    let mut client = server.connect().await;
    assert_eq!(
        client.ask(json!({"action": "enter"})).await["route"],
        json!("action_enter")
    );
    assert_eq!(
        client.ask(json!({"action": "broken"})).await,
        json!({"error": "no handler for this message"})
    );
}

#[tokio::test]
async fn a_client_that_stops_reading_is_disconnected_with_1008() {
    let server = TestServer::basic_with(|config| {
        config.connections.outbound_queue = 16;
        // The flooder's 300 round trips come faster than the default
        // message rate.
        config.edge.message_rate = 0.0;
    })
    .await;
    let slow = server.connect_as("slow").await;
    let mut flooder = server.connect().await;
    let big = json!("x".repeat(60_000));
    // ~18 MB, far more than socket buffers and the queue hold.
    for _ in 0..300 {
        flooder.send_to(&["slow"], big.clone()).await;
    }
    assert!(
        flooder.wait_until_offline("slow").await,
        "the slow client was disconnected"
    );

    // When it finally reads, it finds what was delivered, then a close
    // frame with 1008 if that fitted in the socket buffer, or else the end
    // of the connection.
    let mut slow = slow;
    while let Ok(Some(frame)) = tokio::time::timeout(Duration::from_secs(10), slow.ws.next()).await
    {
        match frame {
            Ok(Message::Text(_) | Message::Ping(_)) => continue,
            Ok(Message::Close(Some(frame))) => {
                assert_eq!(u16::from(frame.code), 1008);
                break;
            }
            Ok(other) => panic!("unexpected {other:?}"),
            Err(_) => break,
        }
    }
}

#[tokio::test]
async fn a_peer_that_never_answers_pings_is_reaped() {
    let server = TestServer::basic_with(|config| {
        config.connections.keepalive_interval = 0.2;
        config.connections.keepalive_timeout = 0.3;
    })
    .await;
    // A connection whose client is never polled again: it reads no pings
    // and so sends no pongs, like a peer whose network vanished.
    let ghost = server.connect_as("ghost").await;
    let mut asker = server.connect().await;
    assert!(asker.is_online("ghost").await);
    assert!(
        asker.wait_until_offline("ghost").await,
        "the silent peer was reaped"
    );
    drop(ghost);
}

#[tokio::test]
async fn shutdown_closes_connections_with_1012() {
    let server = TestServer::start(&app("examples/echo"), |_| {}).await;
    let mut client = server.connect().await;
    client.expect_echo(Message::text("before")).await;
    let shutdown = tokio::spawn(server.shutdown());
    client.expect_close(1012).await;
    drop(client);
    tokio::time::timeout(Duration::from_secs(10), shutdown)
        .await
        .expect("shutdown finishes")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn restarts_load_from_the_compile_cache_and_corrupt_entries_are_rebuilt() {
    let app_dir = app("examples/echo");
    let cache = app_subset(&app_dir, &[]);
    let cache_dir = cache.0.join("cache");
    let start = || {
        TestServer::start(&app_dir, |config| {
            config.components.cache_dir = Some(cache_dir.clone());
        })
    };
    let from_cache = |server: &TestServer| {
        let app = server.services.app.load();
        assert_eq!(app.components.len(), 1);
        app.components.values().next().unwrap().from_cache
    };

    let first = start().await;
    assert!(!from_cache(&first), "a cold start compiles");
    drop(first);
    let second = start().await;
    assert!(from_cache(&second), "a restart loads from the cache");
    drop(second);

    // Flip one byte in the middle of every entry.
    for entry in std::fs::read_dir(&cache_dir).unwrap() {
        let path = entry.unwrap().path();
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        std::fs::write(&path, bytes).unwrap();
    }
    let third = start().await;
    assert!(!from_cache(&third), "a corrupt entry is not trusted");
    let mut client = third.connect().await;
    client.expect_echo(Message::text("still echoes")).await;
    drop(third);
    let fourth = start().await;
    assert!(from_cache(&fourth), "the rebuilt entry is cached again");
}

#[tokio::test]
async fn shutdown_answers_in_flight_calls_before_closing() {
    let server = TestServer::basic().await;
    let mut client = server.connect().await;
    // This call sleeps until its 1 s timeout; shutdown comes meanwhile.
    client.send_json(json!({"action": "sleep"})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let shutdown = tokio::spawn(server.shutdown());
    assert_error(&client.recv_json().await, "timed out");
    client.expect_close(1012).await;
    drop(client);
    shutdown.await.unwrap().unwrap();
}
