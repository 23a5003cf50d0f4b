//! SIGTERM to the real binary with 1,000 connections open: every client
//! gets a 1001 close frame, and the process exits cleanly, in bounded time.

use futures_util::{SinkExt, StreamExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

mod common;
use common::echo_app;

const CONNECTIONS: usize = 1000;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_a_thousand_connections_with_1001() {
    let app = echo_app();
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("serve")
        .arg(&app)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--no-watch"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("the switchboard binary starts");

    let url = format!("ws://127.0.0.1:{port}/socket");
    let started = Instant::now();
    let first = loop {
        match tokio_tungstenite::connect_async(&url).await {
            Ok((ws, _)) => break ws,
            Err(_) if started.elapsed() < Duration::from_secs(60) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(err) => panic!("server never came up: {err}"),
        }
    };
    let mut clients = vec![first];
    while clients.len() < CONNECTIONS {
        let batch = (CONNECTIONS - clients.len()).min(100);
        let connects = (0..batch).map(|_| tokio_tungstenite::connect_async(&url));
        for result in futures_util::future::join_all(connects).await {
            clients.push(result.expect("connects").0);
        }
    }
    // Each connection is live: one echo apiece.
    for ws in clients.iter_mut().step_by(50) {
        ws.send(Message::text("ping")).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("ping"));
    }

    let term = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let closes = clients.into_iter().map(|mut ws| async move {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
                Ok(Some(Ok(Message::Close(Some(frame))))) => return u16::from(frame.code),
                Ok(Some(Ok(_))) => continue,
                other => panic!("no close frame: {other:?}"),
            }
        }
    });
    let codes = futures_util::future::join_all(closes).await;
    assert_eq!(codes.len(), CONNECTIONS);
    assert!(
        codes.iter().all(|&code| code == 1001),
        "all closed with 1001"
    );
    let closed_in = term.elapsed();

    let exited = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exited.success(), "the server exits cleanly: {exited}");
    assert!(
        term.elapsed() < Duration::from_secs(15),
        "closed in {closed_in:?}, exited in {:?}",
        term.elapsed()
    );
}
