//! Cross-node fan-out: several server processes of one kind share one
//! Redis and act as one server. Users `u0`, `u1`, ... connect round-robin
//! (user `ui` to node `i % nodes`); one anonymous sender on node 0 sends
//! fan-outs naming users spread over every node, at a steady rate, and
//! every recipient records the time from send to receipt.
//!
//! Both kinds get the same JSON body, `to`/`users`, `t` (the send time)
//! and `pad`: Switchboard as `{"action":"fanout","to":[...],"t":..,"pad":..}`,
//! which `bench/app`'s `action_fanout` passes on whole with one `send-to`;
//! Socket.IO as event `fanout` `{"users":[...],"t":..,"pad":..}`, which
//! `bench/node/socketio.js` emits whole as event `m` to the users' rooms.
//! Pacing, the window and the per-recipient counting are the single-node
//! fan-out's ([`crate::fanout`]).

use crate::client::{Protocol, Ws, connect_many_with};
use crate::fanout::{self, Pacing, Picker, Recorder};
use crate::procstat;
use crate::report::Latency;
use crate::servers::{Kind, Redis, Running};
use crate::socketio;
use futures_util::{FutureExt, SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Sent in every fan-out, so the messages are not all user names.
pub const PAD: &str = "0123456789abcdefghij";

#[derive(Debug, Clone, Copy)]
pub struct ClusterPlan {
    /// Connections in all, one user each, spread round-robin.
    pub connections: usize,
    /// Users named in each fan-out, spread over every node.
    pub recipients: usize,
    pub pacing: Pacing,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ClusterResult {
    pub fanouts: u64,
    /// Messages received in the window, and how many were sent for it.
    pub deliveries: u64,
    pub expected: u64,
    /// Send to receipt, at every recipient.
    pub latency: Latency,
    /// The server processes' CPU summed, per delivered message.
    pub cpu_us_per_delivery: f64,
    /// Each node's CPU over the window (1.0 = one core).
    pub node_cpu: Vec<f64>,
    /// Redis' CPU per delivered message, counted apart from the servers'.
    pub redis_cpu_us_per_delivery: f64,
    pub redis_cpu: f64,
    /// Commands Redis processed in the window per fan-out sent.
    pub redis_commands_per_fanout: f64,
}

/// The counters read as the window opens and closes.
struct Snapshot {
    nodes: Vec<Duration>,
    redis: Duration,
    commands: u64,
}

pub async fn run(
    nodes: &[Running],
    redis: &Redis,
    plan: ClusterPlan,
) -> anyhow::Result<ClusterResult> {
    anyhow::ensure!(!nodes.is_empty(), "a cluster needs a node");
    let protocol = match nodes[0].kind {
        Kind::SocketIo => Protocol::SocketIo,
        _ => Protocol::Switchboard,
    };
    let n = nodes.len();
    let recorder = Recorder::new();
    let mut receivers = Vec::with_capacity(plan.connections);
    for (k, node) in nodes.iter().enumerate() {
        // Users k, k + n, k + 2n, ... live on node k.
        let count = (plan.connections.saturating_sub(k)).div_ceil(n);
        let sockets = connect_many_with(protocol, node.addr, count, 0, |j| {
            Some(format!("u{}", j * n + k))
        })
        .await?;
        for ws in sockets {
            let recorder = recorder.clone();
            receivers.push(match protocol {
                Protocol::Switchboard => tokio::spawn(fanout::receive(ws, recorder)),
                Protocol::SocketIo => {
                    tokio::spawn(socketio::receive(ws, move |text| recorder.record(text)))
                }
            });
        }
    }
    eprintln!(
        "      {} connections on {n} nodes of {}; sender on node 0",
        plan.connections,
        nodes[0].kind.name()
    );
    let mut sender = protocol.connect(nodes[0].addr, 0, None).await?;
    let mut picker = Picker::new();
    let send = async || -> anyhow::Result<()> {
        let users = picker.spread(plan.recipients, plan.connections, n);
        let message = match protocol {
            Protocol::Switchboard => {
                let body = serde_json::json!({
                    "action": "fanout", "to": users, "t": recorder.now(), "pad": PAD,
                });
                Message::text(body.to_string())
            }
            Protocol::SocketIo => {
                answer_pings(&mut sender).await?;
                let body = serde_json::json!({ "users": users, "t": recorder.now(), "pad": PAD });
                socketio::event("fanout", &body)
            }
        };
        sender.send(message).await?;
        Ok(())
    };
    let snapshot = || -> anyhow::Result<Snapshot> {
        Ok(Snapshot {
            nodes: nodes
                .iter()
                .map(|node| procstat::cpu_time(node.pid))
                .collect::<anyhow::Result<_>>()?,
            redis: procstat::cpu_time(redis.pid)?,
            commands: redis.commands()?,
        })
    };
    let paced = fanout::pace(plan.pacing, &recorder, send, snapshot).await?;
    let _ = sender.close(None).await;
    for receiver in receivers {
        receiver.abort();
    }
    let (before, after, wall) = (&paced.before, &paced.after, paced.wall.as_secs_f64());
    let node_cpu: Vec<f64> = before
        .nodes
        .iter()
        .zip(&after.nodes)
        .map(|(b, a)| (*a - *b).as_secs_f64())
        .collect();
    let redis_cpu = (after.redis - before.redis).as_secs_f64();
    // The opening `INFO` is counted in the closing one.
    let commands = after.commands.saturating_sub(before.commands + 1);
    let deliveries = recorder.received();
    let per_delivery = |cpu: f64| cpu * 1e6 / deliveries.max(1) as f64;
    Ok(ClusterResult {
        fanouts: paced.fanouts,
        deliveries,
        expected: paced.fanouts * plan.recipients.min(plan.connections) as u64,
        latency: recorder.latency(),
        cpu_us_per_delivery: per_delivery(node_cpu.iter().sum()),
        node_cpu: node_cpu.iter().map(|cpu| cpu / wall).collect(),
        redis_cpu_us_per_delivery: per_delivery(redis_cpu),
        redis_cpu: redis_cpu / wall,
        redis_commands_per_fanout: commands as f64 / paced.fanouts.max(1) as f64,
    })
}

/// Answers the Engine.IO pings that have reached the sender, which
/// otherwise reads nothing, so the server does not time it out.
async fn answer_pings(ws: &mut Ws) -> anyhow::Result<()> {
    while let Some(next) = ws.next().now_or_never() {
        match next {
            Some(Ok(Message::Text(text))) if text.as_str() == "2" => {
                ws.send(Message::text("3")).await?
            }
            Some(Ok(_)) => {}
            Some(Err(err)) => return Err(err.into()),
            None => anyhow::bail!("the Socket.IO server closed the sender"),
        }
    }
    Ok(())
}
