//! Random schedules of sends, send-tos and disconnects across many users
//! and connections: each connection receives exactly the messages
//! addressed to its user, to itself, or to a send-to list naming its
//! user; nothing else, and nothing lost.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use switchboard_tests::{Client, TestServer};

const SCHEDULES: u64 = 100;
const USERS: usize = 4;
const TABS: usize = 2;
const ANONYMOUS: usize = 2;
const OPS: usize = 15;

struct Conn {
    client: Client,
    user: Option<String>,
    /// Markers this connection must receive, in order.
    expected: Vec<u64>,
    /// Markers it has received so far.
    got: Vec<u64>,
}

impl Conn {
    /// Reads until `done` matches, keeping the markers read on the way.
    /// Other messages (replies that `send` also copied to this user's other
    /// tabs) are skipped.
    async fn read_until(&mut self, done: impl Fn(&Value) -> bool) {
        loop {
            let message = self.client.recv_json().await;
            if let Some(marker) = message["m"].as_u64() {
                self.got.push(marker);
            } else if done(&message) {
                return;
            }
        }
    }

    /// Makes sure the connection's earlier messages have been handled:
    /// its messages are handled in order, so once this one is answered,
    /// everything before it has been delivered.
    async fn sync(&mut self, tag: impl std::fmt::Display) {
        let probe = format!("sync-{tag}");
        self.client
            .send_json(json!({"action": "online", "user": probe}))
            .await;
        self.read_until(|m| m["user"] == json!(probe)).await;
    }

    /// Everything received: a last sync collects what is still queued.
    async fn finish(&mut self, tag: &str) -> Vec<u64> {
        self.sync(tag).await;
        std::mem::take(&mut self.got)
    }
}

async fn open(server: &TestServer, user: Option<&str>) -> Conn {
    let client = match user {
        Some(user) => server.connect_as(user).await,
        None => server.connect().await,
    };
    Conn {
        client,
        user: user.map(String::from),
        expected: Vec::new(),
        got: Vec::new(),
    }
}

async fn run_schedule(server: &TestServer, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let users: Vec<String> = (0..USERS).map(|u| format!("s{seed}u{u}")).collect();
    let mut conns = Vec::new();
    for user in &users {
        for _ in 0..TABS {
            conns.push(open(server, Some(user)).await);
        }
    }
    for _ in 0..ANONYMOUS {
        conns.push(open(server, None).await);
    }
    let mut marker = seed * 1_000;
    for _ in 0..OPS {
        marker += 1;
        let from = rng.random_range(0..conns.len());
        match rng.random_range(0..10) {
            0..=3 => {
                // send: to every tab of the user, or to this connection.
                let message = json!({"action": "send", "message": {"m": marker}});
                conns[from].client.send_json(message).await;
                let targets: Vec<usize> = match conns[from].user.clone() {
                    Some(user) => (0..conns.len())
                        .filter(|&i| conns[i].user.as_ref() == Some(&user))
                        .collect(),
                    None => vec![from],
                };
                for i in targets {
                    conns[i].expected.push(marker);
                }
                conns[from].sync(marker).await;
            }
            4..=7 => {
                let named: Vec<String> = users
                    .iter()
                    .filter(|_| rng.random_bool(0.5))
                    .cloned()
                    .collect();
                let message = json!({"action": "sendto", "users": named, "message": {"m": marker}});
                conns[from].client.send_json(message).await;
                for conn in conns.iter_mut() {
                    if conn.user.as_ref().is_some_and(|u| named.contains(u)) {
                        conn.expected.push(marker);
                    }
                }
                conns[from].sync(marker).await;
            }
            _ => {
                // A tab closes and the same person opens another.
                let mut gone = conns.swap_remove(from);
                let got = gone.finish(&format!("close-{marker}")).await;
                assert_eq!(got, gone.expected, "seed {seed}: a closing tab");
                drop(gone.client);
                conns.push(open(server, gone.user.as_deref()).await);
            }
        }
    }
    for (i, conn) in conns.iter_mut().enumerate() {
        let got = conn.finish(&format!("final-{i}")).await;
        assert_eq!(
            got, conn.expected,
            "seed {seed}: connection {i} ({:?})",
            conn.user
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_schedules_deliver_only_and_all_of_what_is_addressed() {
    let server = TestServer::basic().await;
    for seed in 0..SCHEDULES {
        run_schedule(&server, seed).await;
    }
}
