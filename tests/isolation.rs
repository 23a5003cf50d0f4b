//! Random schedules of sends, send-tos and disconnects across many users
//! and connections: each connection receives exactly the messages
//! addressed to its user, to itself, or to a send-to list naming its
//! user; nothing else, and nothing lost, in order. On one server, and on
//! three cluster nodes with each user's tabs spread over them.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use switchboard_tests::cluster::{Node, Redis};
use switchboard_tests::{Client, TestServer, app};

/// Where the connections go: one server, or cluster nodes in turn.
enum Place<'a> {
    One(&'a TestServer),
    Nodes(&'a [Node]),
}

impl Place<'_> {
    /// Cross-node delivery lands a moment after the sender's call ends.
    fn settle(&self) -> std::time::Duration {
        match self {
            Place::One(_) => std::time::Duration::ZERO,
            Place::Nodes(_) => std::time::Duration::from_millis(50),
        }
    }
}

#[test]
fn child_server() {
    switchboard_tests::cluster::child_server();
}

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

async fn open(place: &Place<'_>, user: Option<&str>, n: usize) -> Conn {
    let client = match (place, user) {
        (Place::One(server), Some(user)) => server.connect_as(user).await,
        (Place::One(server), None) => server.connect().await,
        (Place::Nodes(nodes), Some(user)) => nodes[n % nodes.len()].connect_as(user).await,
        (Place::Nodes(nodes), None) => nodes[n % nodes.len()].connect().await,
    };
    Conn {
        client,
        user: user.map(String::from),
        expected: Vec::new(),
        got: Vec::new(),
    }
}

async fn run_schedule(place: &Place<'_>, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let users: Vec<String> = (0..USERS).map(|u| format!("s{seed}u{u}")).collect();
    let mut conns = Vec::new();
    let mut opened = seed as usize;
    for user in &users {
        for _ in 0..TABS {
            opened += 1;
            conns.push(open(place, Some(user), opened).await);
        }
    }
    for _ in 0..ANONYMOUS {
        opened += 1;
        conns.push(open(place, None, opened).await);
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
                tokio::time::sleep(place.settle()).await;
                let got = gone.finish(&format!("close-{marker}")).await;
                assert_eq!(got, gone.expected, "seed {seed}: a closing tab");
                drop(gone.client);
                opened += 1;
                conns.push(open(place, gone.user.as_deref(), opened).await);
            }
        }
    }
    tokio::time::sleep(place.settle()).await;
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
        run_schedule(&Place::One(&server), seed).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn across_three_cluster_nodes_too() {
    let redis = Redis::start();
    let app_dir = app("tests/apps/basic");
    let nodes: Vec<Node> = std::thread::scope(|scope| {
        let starting: Vec<_> = (0..3)
            .map(|_| scope.spawn(|| Node::in_cluster(&app_dir, &redis)))
            .collect();
        starting
            .into_iter()
            .map(|node| node.join().unwrap())
            .collect()
    });
    for seed in 0..SCHEDULES / 2 {
        run_schedule(&Place::Nodes(&nodes), seed).await;
    }
}
