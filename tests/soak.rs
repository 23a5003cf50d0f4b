//! Soak: many connections exchanging messages while a random tenth of
//! them reconnect mid-run. Every message sent to a connection that stays
//! open arrives exactly once and in order.
//!
//! CI runs 100 connections × 20 messages. The full run:
//! `SOAK_CONNECTIONS=1000 SOAK_MESSAGES=100 cargo test --release -p switchboard-tests --test soak -- --nocapture`

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use switchboard_tests::{Client, TestServer};

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One client: sends `messages` numbered messages to itself (as its own
/// user), reading each back; a reconnecting client switches to a new
/// connection halfway.
async fn client(
    server: Arc<TestServer>,
    id: usize,
    messages: usize,
    reconnect: bool,
    done: Arc<AtomicUsize>,
) {
    let user = format!("soak{id}");
    let mut conn: Client = server.connect_as(&user).await;
    for k in 0..messages {
        if reconnect && k == messages / 2 {
            conn.ws.close(None).await.ok();
            conn = server.connect_as(&user).await;
        }
        conn.send_json(json!({"action": "send", "message": {"c": id, "k": k}}))
            .await;
        // Exactly this message comes back next: nothing lost, nothing
        // duplicated, nothing out of order, nothing from anyone else.
        assert_eq!(
            conn.recv_json().await,
            json!({"c": id, "k": k}),
            "client {id}"
        );
    }
    conn.expect_silence(std::time::Duration::from_millis(50))
        .await;
    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
    let total = setting("SOAK_CONNECTIONS", 100);
    if finished.is_multiple_of((total / 10).max(1)) {
        eprintln!("soak: {finished}/{total} clients done");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_arrive_exactly_once_in_order_through_reconnects() {
    let connections = setting("SOAK_CONNECTIONS", 100);
    let messages = setting("SOAK_MESSAGES", 20);
    // Every client comes from 127.0.0.1, and SOAK_CONNECTIONS may be
    // more than the per-IP cap.
    let server = TestServer::basic_with(|config| config.edge.max_connections_per_ip = 0).await;
    let server = Arc::new(server);
    let mut rng = StdRng::seed_from_u64(7);
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for id in 0..connections {
        let reconnect = rng.random_bool(0.1);
        tasks.push(tokio::spawn(client(
            server.clone(),
            id,
            messages,
            reconnect,
            done.clone(),
        )));
    }
    for task in tasks {
        task.await.expect("a client finished cleanly");
    }
    assert_eq!(done.load(Ordering::Relaxed), connections);
}
