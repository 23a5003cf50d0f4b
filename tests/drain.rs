//! Drain on SIGTERM, with 1,000 connections to a server in a child
//! process: `/readyz` turns 503 at once, the listener stops accepting,
//! every connection gets a 1012 close frame at its own moment of the drain
//! window (so the closes spread over it), every call in flight is still
//! answered before its connection's close, and the process exits by
//! itself.

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use switchboard::Settings;
use switchboard_tests::app;
use tokio_tungstenite::tungstenite::Message;

const CHILD_APP: &str = "SWITCHBOARD_DRAIN_TEST_APP";
const CONNECTIONS: usize = 1000;
const WINDOW: f64 = 4.0;
/// Connections with a call in flight when the signal comes: each sleeps
/// until its 1 s timeout, then answers with an error.
const IN_FLIGHT: usize = 100;

/// Not a test: the server of [`ChildServer`], run when the test binary is
/// started with the variable set; stops on SIGTERM as `switchboard serve`
/// does.
#[test]
fn child_server() {
    let Some(app_dir) = std::env::var_os(CHILD_APP) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let mut settings = Settings::for_tests();
        settings.components.cache_dir =
            Some(switchboard_tests::guest_target_dir().join("compile-cache"));
        settings.listen.admin = Some("127.0.0.1:0".parse().unwrap());
        settings.connections.drain_window = WINDOW;
        settings.connections.shutdown_grace = 2.0;
        settings.edge.max_connections_per_ip = 0;
        settings.edge.message_rate = 0.0;
        let data = switchboard_tests::temp_dir("drain-data");
        settings.jobs.data_dir = Some(data.0.clone());
        let server = switchboard::Server::bind(Path::new(&app_dir), settings)
            .await
            .unwrap();
        println!(
            "LISTENING {} {}",
            server.local_addr(),
            server.admin_addr().unwrap()
        );
        switchboard::cli::serve_until_signalled(server)
            .await
            .unwrap();
    });
}

struct ChildServer {
    child: Child,
    addr: SocketAddr,
    admin: SocketAddr,
}

impl ChildServer {
    fn start(app_dir: &Path) -> ChildServer {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_server", "--nocapture", "--test-threads=1"])
            .env(CHILD_APP, app_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (addr, admin) = (&mut lines)
            .map_while(Result::ok)
            .find_map(|line| {
                let rest = &line[line.find("LISTENING ")? + 10..];
                let (addr, admin) = rest.split_once(' ')?;
                Some((addr.parse().ok()?, admin.trim().parse().ok()?))
            })
            .expect("the child server prints its addresses");
        // Read on, so that the harness's last lines find the pipe open.
        std::thread::spawn(move || lines.for_each(drop));
        ChildServer { child, addr, admin }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one client saw after the signal.
struct Seen {
    answered: bool,
    close: Option<u16>,
    closed_after: Duration,
}

async fn ready_status(admin: SocketAddr) -> u16 {
    let url = format!("http://{admin}/readyz");
    reqwest::get(url).await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_a_thousand_connections_over_the_window() {
    let server = ChildServer::start(&app("tests/apps/basic"));
    let url = format!("ws://{}/socket", server.addr);
    let mut clients = Vec::with_capacity(CONNECTIONS);
    for batch in 0..CONNECTIONS / 50 {
        let connecting = (0..50).map(|_| tokio_tungstenite::connect_async(url.clone()));
        for connected in futures_util::future::join_all(connecting).await {
            clients.push(
                connected
                    .unwrap_or_else(|err| panic!("batch {batch}: {err}"))
                    .0,
            );
        }
    }
    assert_eq!(ready_status(server.admin).await, 200);

    let (go, _) = tokio::sync::broadcast::channel::<Instant>(1);
    let mut tasks = Vec::with_capacity(CONNECTIONS);
    for (i, mut ws) in clients.into_iter().enumerate() {
        if i < IN_FLIGHT {
            let sleep = json!({"action": "sleep"}).to_string();
            ws.send(Message::text(sleep)).await.unwrap();
        }
        let mut signalled = go.subscribe();
        tasks.push(tokio::spawn(async move {
            let sent_at = signalled.recv().await.unwrap();
            let mut seen = Seen {
                answered: false,
                close: None,
                closed_after: Duration::ZERO,
            };
            let limit = Duration::from_secs_f64(WINDOW + 5.0);
            while let Ok(Some(Ok(message))) = tokio::time::timeout(limit, ws.next()).await {
                match message {
                    Message::Text(text) if seen.close.is_none() => {
                        seen.answered = text.contains("timed out");
                    }
                    Message::Close(frame) => {
                        seen.close = frame.map(|f| u16::from(f.code));
                        seen.closed_after = sent_at.elapsed();
                    }
                    _ => {}
                }
            }
            seen
        }));
    }
    // The calls are under way.
    tokio::time::sleep(Duration::from_millis(200)).await;

    server.signal("TERM");
    let signalled = Instant::now();
    go.send(signalled).unwrap();
    // Ready turns 503 at once, and no one new gets in.
    let deadline = Instant::now() + Duration::from_secs(1);
    while ready_status(server.admin).await != 503 {
        assert!(
            Instant::now() < deadline,
            "/readyz still 200 a second after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        tokio_tungstenite::connect_async(url.clone()).await.is_err(),
        "a draining server accepted a new connection"
    );

    let mut seen = Vec::with_capacity(CONNECTIONS);
    for task in tasks {
        seen.push(task.await.unwrap());
    }
    let unanswered = seen[..IN_FLIGHT].iter().filter(|s| !s.answered).count();
    assert_eq!(unanswered, 0, "calls in flight at SIGTERM went unanswered");
    let codes: Vec<_> = seen
        .iter()
        .filter(|s| s.close != Some(1012))
        .map(|s| s.close)
        .collect();
    assert!(
        codes.is_empty(),
        "{} connections got no 1012: {:?}",
        codes.len(),
        &codes[..codes.len().min(5)]
    );

    // Spread: tenths of the window each hold about a tenth of the closes.
    let mut tenths = [0usize; 10];
    for s in &seen {
        let at = s.closed_after.as_secs_f64() / WINDOW;
        assert!(
            at < 1.25,
            "a close came {:?} after the signal",
            s.closed_after
        );
        tenths[((at * 10.0) as usize).min(9)] += 1;
    }
    println!("closes per tenth of the window: {tenths:?}");
    for (i, count) in tenths.iter().enumerate() {
        assert!(
            (40..=180).contains(count),
            "tenth {i} of the window held {count} of {CONNECTIONS} closes: {tenths:?}"
        );
    }

    let mut server = server;
    let exit = tokio::task::spawn_blocking(move || {
        let status = server.child.wait().unwrap();
        (status, signalled.elapsed())
    })
    .await
    .unwrap();
    assert!(exit.0.success(), "the server exited with {:?}", exit.0);
    assert!(
        exit.1 < Duration::from_secs_f64(WINDOW + 3.0),
        "exit took {:?}",
        exit.1
    );
}

#[tokio::test]
async fn a_second_sigterm_exits_at_once() {
    let server = ChildServer::start(&app("tests/apps/basic"));
    let url = format!("ws://{}/socket", server.addr);
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    server.signal("TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let signalled = Instant::now();
    server.signal("TERM");
    let mut server = server;
    let status = tokio::task::spawn_blocking(move || server.child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        signalled.elapsed() < Duration::from_secs(1),
        "the second signal took {:?} to stop the server",
        signalled.elapsed()
    );
    // The connection was dropped, closed or not.
    let _ = ws.next().await;
}
