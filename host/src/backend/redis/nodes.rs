//! A node among others: its heartbeat, the subscription to its channel
//! (probed, since a silent subscription looks like a quiet one), and the
//! reaper that cleans up after nodes that died.
//!
//! - Every node refreshes `P:node:ID:alive` (expiring after the TTL) each
//!   fifth of the TTL.
//! - Every node looks as often for nodes whose heartbeat lapsed. One
//!   claims each dead node (`SET P:node:ID:reaper NX`), states that it
//!   holds no connections for each of its users, and so fires `on-offline`
//!   for those whose last connection was there.
//! - A node that finds its own heartbeat gone (it was partitioned, or
//!   Redis restarted) waits for any reaper to finish, then states all its
//!   connections again, firing `on-online` where the reaper fired
//!   `on-offline`. It does the same after Redis missed any change.
//! - On a clean stop it removes itself at once.

use super::hub::{RedisHub, Trouble};
use super::wire::Note;
use futures_util::StreamExt;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Starts the node's tasks; they end when the hub is dropped.
pub(super) fn spawn(hub: &Arc<RedisHub>, client: redis::Client, ttl: Duration) {
    let probes = Arc::new(Probes::default());
    let weak = Arc::downgrade(hub);
    tokio::spawn(subscribe(weak.clone(), client, probes.clone()));
    tokio::spawn(async move {
        let every = ttl / 5;
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(hub) = weak.upgrade() else {
                return;
            };
            heartbeat(&hub, ttl).await;
            reap(&hub, ttl).await;
            probe(&hub, &probes).await;
        }
    });
}

/// The last probe sent, the last one heard back, and the last one sent
/// before the current subscription began (a probe sent while the node was
/// subscribing proves nothing); `stale` tells the subscriber to start over.
#[derive(Default)]
struct Probes {
    sent: AtomicU64,
    heard: AtomicU64,
    subscribed: AtomicU64,
    stale: tokio::sync::Notify,
}

/// Keeps the node subscribed to its channel, resubscribing when the
/// connection drops.
async fn subscribe(hub: std::sync::Weak<RedisHub>, client: redis::Client, probes: Arc<Probes>) {
    'subscribing: loop {
        let Some(channel) = hub.upgrade().map(|hub| hub.keys.channel(&hub.node)) else {
            return;
        };
        let pubsub = match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                Ok(()) => Some(pubsub),
                Err(err) => {
                    tracing::warn!(%err, "cannot subscribe to the node's channel");
                    None
                }
            },
            Err(err) => {
                tracing::warn!(%err, "cannot open the node's subscription");
                None
            }
        };
        if let Some(pubsub) = pubsub {
            let sent = probes.sent.load(Ordering::Acquire);
            probes.subscribed.store(sent, Ordering::Release);
            tracing::info!(channel, "subscribed to the node's channel");
            let mut messages = pubsub.into_on_message();
            loop {
                let message = tokio::select! {
                    message = messages.next() => message,
                    _ = probes.stale.notified() => {
                        tracing::warn!("the node's subscription went silent; subscribing again");
                        continue 'subscribing;
                    }
                };
                let Some(message) = message else {
                    break;
                };
                let Some(hub) = hub.upgrade() else {
                    return;
                };
                match Note::decode(message.get_payload_bytes()) {
                    Some(Note::Probe(seq)) => probes.heard.store(seq, Ordering::Release),
                    Some(note) => hub.receive(note),
                    None => tracing::warn!("a note on the node's channel is not one a node wrote"),
                }
            }
            tracing::warn!("the node's subscription ended; subscribing again");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Refreshes the heartbeat, and states the node's connections again when
/// Redis lost or missed them.
async fn heartbeat(hub: &RedisHub, ttl: Duration) {
    let mut conn = hub.conn.clone();
    let alive = hub.keys.alive(&hub.node);
    let ms = ttl.as_millis() as u64;
    let refreshed: Result<Option<String>, _> = redis::cmd("SET")
        .arg(&alive)
        .arg(1)
        .arg("PX")
        .arg(ms)
        .arg("XX")
        .query_async(&mut conn)
        .await;
    match refreshed {
        Ok(refreshed) => {
            hub.reachable.store(true, Ordering::Release);
            match refreshed.is_some() && !hub.dirty.load(Ordering::Acquire) {
                true => hub.set_trouble(None),
                false => rejoin(hub, ttl).await,
            }
        }
        Err(err) => {
            hub.dirty.store(true, Ordering::Release);
            hub.note_failure(&err);
        }
    }
}

/// Joins (again): claims the node's own cleanup so that no reaper runs
/// meanwhile, renews the heartbeat, and states every connection.
pub(super) async fn rejoin(hub: &RedisHub, ttl: Duration) {
    let mut conn = hub.conn.clone();
    let reaper = hub.keys.reaper(&hub.node);
    let claimed: Result<Option<String>, _> = redis::cmd("SET")
        .arg(&reaper)
        .arg(&hub.node)
        .arg("NX")
        .arg("PX")
        .arg(30_000)
        .query_async(&mut conn)
        .await;
    match claimed {
        Ok(Some(_)) => {}
        // Another node is cleaning up after this one; try once it is done.
        Ok(None) => return,
        Err(err) => {
            hub.set_trouble(Some(format!("cannot reach Redis at {}: {err}", hub.url)));
            return;
        }
    }
    hub.dirty.store(false, Ordering::Release);
    let joined = async {
        redis::pipe()
            .cmd("SET")
            .arg(hub.keys.alive(&hub.node))
            .arg(1)
            .arg("PX")
            .arg(ttl.as_millis() as u64)
            .ignore()
            .sadd(hub.keys.nodes(), &hub.node)
            .ignore()
            .query_async::<()>(&mut conn.clone())
            .await?;
        hub.restate_all().await
    };
    match joined.await {
        Ok(connections) => {
            tracing::info!(node = %hub.node, connections, "registered this node's connections in the cluster");
            hub.set_trouble(None);
        }
        Err(err) => {
            hub.dirty.store(true, Ordering::Release);
            hub.set_trouble(Some(format!("cannot reach Redis at {}: {err}", hub.url)));
        }
    }
    let _: Result<(), _> = redis::cmd("DEL").arg(&reaper).query_async(&mut conn).await;
}

/// Cleans up after each node whose heartbeat lapsed, if no other node
/// does.
async fn reap(hub: &RedisHub, ttl: Duration) {
    let mut conn = hub.conn.clone();
    let Ok(nodes): Result<Vec<String>, _> = redis::cmd("SMEMBERS")
        .arg(hub.keys.nodes())
        .query_async(&mut conn)
        .await
    else {
        return;
    };
    let others: Vec<&String> = nodes.iter().filter(|node| **node != hub.node).collect();
    if others.is_empty() {
        return;
    }
    let mut pipe = redis::pipe();
    for node in &others {
        pipe.exists(hub.keys.alive(node));
    }
    let Ok(alive): Result<Vec<bool>, _> = pipe.query_async(&mut conn).await else {
        return;
    };
    for (node, _) in others.into_iter().zip(alive).filter(|(_, alive)| !alive) {
        let claimed: Result<Option<String>, _> = redis::cmd("SET")
            .arg(hub.keys.reaper(node))
            .arg(&hub.node)
            .arg("NX")
            .arg("PX")
            .arg(ttl.as_millis() as u64 * 3)
            .query_async(&mut conn)
            .await;
        if let Ok(Some(_)) = claimed {
            // The node may have come back between the look and the claim
            // (it claims its own cleanup while it rejoins, and renews its
            // heartbeat first): then it is not dead.
            let back: Result<bool, _> = redis::cmd("EXISTS")
                .arg(hub.keys.alive(node))
                .query_async(&mut conn)
                .await;
            match back {
                Ok(false) => reap_node(hub, node).await,
                _ => {
                    let _: Result<(), _> = redis::cmd("DEL")
                        .arg(hub.keys.reaper(node))
                        .query_async(&mut conn)
                        .await;
                }
            }
        }
    }
}

/// States that a dead node holds no connections, user by user.
async fn reap_node(hub: &RedisHub, node: &str) {
    let mut conn = hub.conn.clone();
    let users: HashSet<String> = match redis::cmd("SMEMBERS")
        .arg(hub.keys.node_users(node))
        .query_async(&mut conn)
        .await
    {
        Ok(users) => users,
        Err(err) => return tracing::warn!(node, %err, "cannot read a dead node's users"),
    };
    let mut offline = 0;
    for user in &users {
        match hub.reap_user(node, user).await {
            Ok(true) => offline += 1,
            Ok(false) => {}
            Err(err) => {
                return tracing::warn!(node, %err, "cleaning up after a dead node failed; another pass will finish it");
            }
        }
    }
    let done: Result<(), _> = redis::pipe()
        .del(hub.keys.node_users(node))
        .ignore()
        .srem(hub.keys.nodes(), node)
        .ignore()
        .del(hub.keys.reaper(node))
        .ignore()
        .query_async(&mut conn)
        .await;
    if let Err(err) = done {
        tracing::warn!(node, %err, "cannot finish cleaning up after a dead node");
    }
    tracing::warn!(
        node,
        users = users.len(),
        offline,
        "a node's heartbeat lapsed; removed its connections"
    );
}

/// Sends a probe through the node's own channel, and checks the last one
/// came back.
async fn probe(hub: &RedisHub, probes: &Probes) {
    let sent = probes.sent.load(Ordering::Acquire);
    let since = probes.subscribed.load(Ordering::Acquire);
    let silent = sent > since && probes.heard.load(Ordering::Acquire) < sent;
    let trouble = silent.then(|| {
        format!(
            "the node's subscription to Redis at {} did not deliver its last probe",
            hub.url
        )
    });
    hub.set_trouble_of(Trouble::Subscription, trouble);
    if silent {
        // Only a subscriber waiting on its subscription hears this: no
        // permit is left for the next one.
        probes.stale.notify_waiters();
    }
    let next = sent + 1;
    let mut conn = hub.conn.clone();
    let note = Note::Probe(next).encode();
    let published: Result<usize, _> = redis::cmd("PUBLISH")
        .arg(hub.keys.channel(&hub.node))
        .arg(note)
        .query_async(&mut conn)
        .await;
    if published.is_ok() {
        probes.sent.store(next, Ordering::Release);
    }
}

/// Removes the node from the cluster on a clean stop: its connections
/// (closed by now, or about to be) and its heartbeat.
pub(super) async fn retire(hub: &RedisHub) {
    for (user, _) in hub.local_users() {
        if let Err(err) = hub.restate(&user, &[]).await {
            tracing::warn!(%err, "cannot remove this node's connections; its heartbeat will lapse");
            return;
        }
    }
    let mut conn = hub.conn.clone();
    let removed: Result<(), _> = redis::pipe()
        .del(hub.keys.alive(&hub.node))
        .ignore()
        .del(hub.keys.node_users(&hub.node))
        .ignore()
        .srem(hub.keys.nodes(), &hub.node)
        .ignore()
        .query_async(&mut conn)
        .await;
    match removed {
        Ok(()) => tracing::info!(node = %hub.node, "left the cluster"),
        Err(err) => tracing::warn!(%err, "cannot leave the cluster; its heartbeat will lapse"),
    }
}
