//! Many nodes on one Redis behaving as one server: `switchboard`
//! processes on a real `redis-server`, clients spread across them.
//! Delivery across nodes, presence exactly once, a node killed with
//! SIGKILL, and Redis restarted under traffic.

use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use switchboard_tests::cluster::{Node, Redis};
use switchboard_tests::{Client, Message, app};

#[test]
fn child_server() {
    switchboard_tests::cluster::child_server();
}

/// `count` nodes of `app_dir` on `redis`, started side by side.
fn nodes(app_dir: &str, redis: &Redis, count: usize) -> Vec<Node> {
    let app_dir = app(app_dir);
    std::thread::scope(|scope| {
        let starting: Vec<_> = (0..count)
            .map(|_| scope.spawn(|| Node::in_cluster(&app_dir, redis)))
            .collect();
        starting
            .into_iter()
            .map(|node| node.join().unwrap())
            .collect()
    })
}

/// Asks `client` whether `user` is online (both test apps answer
/// `{"action": "online", "user": U}`).
async fn is_online(client: &mut Client, user: &str) -> bool {
    let reply = client.ask(json!({"action": "online", "user": user})).await;
    reply["online"]
        .as_bool()
        .unwrap_or_else(|| panic!("is-online({user}): {reply}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_and_send_to_reach_every_connection_on_every_node() {
    let redis = Redis::start();
    let nodes = nodes("tests/apps/basic", &redis, 3);
    assert!(nodes[0].id != nodes[1].id && nodes[1].id != nodes[2].id);
    let mut ann_laptop = nodes[0].connect_as("ann").await;
    let mut ann_phone = nodes[1].connect_as("ann").await;
    let mut bob = nodes[2].connect_as("bob").await;
    let mut cat = nodes[1].connect_as("cat").await;
    let mut anon = nodes[0].connect().await;
    let mut other_anon = nodes[1].connect().await;

    // `send` reaches the user's other device, on another node.
    let note = json!({"note": "to myself"});
    ann_laptop
        .send_json(json!({"action": "send", "message": note}))
        .await;
    assert_eq!(ann_laptop.recv_json().await, note);
    assert_eq!(ann_phone.recv_json().await, note);

    // `send-to` reaches users on all three nodes, once per connection,
    // however often a user is named.
    let message = json!({"from": "bob"});
    let users = json!(["ann", "cat", "bob", "ann"]);
    bob.send_json(json!({"action": "sendto", "users": users, "message": message}))
        .await;
    let got = [bob.recv_json().await, bob.recv_json().await];
    assert!(got.contains(&message), "{got:?}");
    assert!(got.contains(&json!({"sendTo": "ok"})), "{got:?}");
    for client in [&mut ann_laptop, &mut ann_phone, &mut cat] {
        assert_eq!(client.recv_json().await, message);
    }

    // `is-online` answers for users anywhere.
    assert!(is_online(&mut anon, "bob").await);
    assert!(is_online(&mut anon, "cat").await);
    assert!(!is_online(&mut anon, "dan").await);

    // A reply to an anonymous connection stays on its connection.
    anon.send_json(json!({"action": "send", "message": "just me"}))
        .await;
    assert_eq!(anon.recv().await, Message::text("\"just me\""));

    // Messages one call sends to one connection arrive in order, across
    // nodes too.
    ann_laptop
        .send_json(json!({"action": "many", "count": 200}))
        .await;
    for seq in 0..200 {
        assert_eq!(ann_phone.recv_json().await, json!({"seq": seq}));
        assert_eq!(ann_laptop.recv_json().await, json!({"seq": seq}));
    }
    for client in [
        &mut ann_laptop,
        &mut ann_phone,
        &mut cat,
        &mut bob,
        &mut other_anon,
    ] {
        client.expect_silence(Duration::from_millis(300)).await;
    }
}

/// The presence events the hooks app reports to "observer", until none
/// comes for `quiet`.
async fn observed(observer: &mut Client, quiet: Duration) -> Vec<(String, String)> {
    observer
        .drain(quiet)
        .await
        .into_iter()
        .filter_map(|event| {
            let kind = event["presence"].as_str()?.to_owned();
            Some((event["user"].as_str()?.to_owned(), kind))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_hooks_fire_once_per_transition_across_nodes() {
    let redis = Redis::start();
    let nodes = nodes("tests/apps/hooks", &redis, 3);
    let mut observer = nodes[0].connect_as("observer").await;
    let _ = observed(&mut observer, Duration::from_millis(300)).await;

    for round in 0..5 {
        let user = format!("tabs{round}");
        // Six tabs open at once, two on each node, then all close at once.
        let opening = (0..6).map(|i| nodes[i % 3].connect_as(&user));
        let mut tabs: Vec<Client> = futures_util::future::join_all(opening).await;
        let events = observed(&mut observer, Duration::from_millis(500)).await;
        assert_eq!(
            events,
            [(user.clone(), "online".to_owned())],
            "round {round}"
        );
        for tab in &mut tabs {
            tab.ws.close(None).await.unwrap();
        }
        drop(tabs);
        let events = observed(&mut observer, Duration::from_millis(500)).await;
        assert_eq!(
            events,
            [(user.clone(), "offline".to_owned())],
            "round {round}"
        );
    }

    // A tab that moves from node to node, opening the next before closing
    // the last, never goes offline.
    let mut tab = nodes[1].connect_as("mover").await;
    for i in 2..8 {
        let next = nodes[i % 3].connect_as("mover").await;
        tab.ws.close(None).await.unwrap();
        tab = next;
    }
    let events = observed(&mut observer, Duration::from_millis(500)).await;
    assert_eq!(events, [("mover".to_owned(), "online".to_owned())]);
    drop(tab);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_nodes_users_go_offline_once_within_15_seconds() {
    let redis = Redis::start();
    let mut nodes = nodes("tests/apps/hooks", &redis, 3);
    let mut observer = nodes[0].connect_as("observer").await;
    let _only_there = nodes[2].connect_as("gone").await;
    let _both_a = nodes[2].connect_as("stays").await;
    let mut both_b = nodes[1].connect_as("stays").await;
    let _ = observed(&mut observer, Duration::from_millis(500)).await;

    nodes[2].kill();
    let killed = Instant::now();
    let deadline = killed + Duration::from_secs(15);
    let offline = loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let frame = tokio::time::timeout(remaining, observer.ws.next())
            .await
            .expect("on-offline within 15 s of the kill");
        let Some(Ok(Message::Text(text))) = frame else {
            continue;
        };
        let event: Value = serde_json::from_str(&text).unwrap();
        if event["presence"] == json!("offline") {
            break (event, killed.elapsed());
        }
    };
    assert_eq!(offline.0["user"], json!("gone"), "{}", offline.0);
    println!(
        "the killed node's user went offline {:?} after the kill",
        offline.1
    );
    // Once, and not for the user who still has a tab on a live node.
    let later = observed(&mut observer, Duration::from_secs(3)).await;
    assert!(later.is_empty(), "{later:?}");
    // (Its welcome, from when "stays" came online.)
    let _ = both_b.drain(Duration::from_millis(100)).await;
    assert!(!is_online(&mut both_b, "gone").await);
    assert!(is_online(&mut both_b, "stays").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_spares_local_traffic_and_cross_node_traffic_resumes() {
    let mut redis = Redis::start();
    let nodes = nodes("tests/apps/basic", &redis, 2);
    let mut ann = nodes[0].connect_as("ann").await;
    let mut bob = nodes[1].connect_as("bob").await;
    let to_bob = json!({"action": "sendto", "users": ["bob"], "message": "hi bob"});
    ann.send_json(to_bob.clone()).await;
    assert_eq!(bob.recv().await, Message::text("\"hi bob\""));
    assert_eq!(ann.recv_json().await, json!({"sendTo": "ok"}));
    // The connection's calls run one at a time: once this one (which
    // sends nothing) answers, the last has finished with Redis, whose
    // lookup of the user's other devices runs after the local delivery.
    ann.send_json(json!({"action": "fail"})).await;
    assert!(ann.recv_json().await["error"].is_string());

    redis.stop();
    // Local traffic goes on: replies, errors, and sends to local users.
    let started = Instant::now();
    for i in 0..20 {
        ann.send_json(json!({"action": "send", "message": {"i": i}}))
            .await;
        let reply = ann.recv_json().await;
        // Sending to one's own user also asks Redis for other devices,
        // so it arrives here and then says the rest may not have.
        let error = ann.recv_json().await;
        assert_eq!(reply, json!({"i": i}), "then {error}");
        assert!(
            error["error"].as_str().unwrap().contains("Redis"),
            "{error}"
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    ann.send_json(json!({"action": "fail"})).await;
    assert!(ann.recv_json().await["error"].is_string());
    // Cross-node sends fail with a clear error, and are counted. (The
    // handler's reply to its own user fails the same way, after it
    // reached this connection.)
    ann.send_json(to_bob.clone()).await;
    let reply = ann.recv_json().await;
    let error = reply["sendTo"]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("cannot reach the cluster's Redis"),
        "{reply}"
    );
    assert!(ann.recv_json().await["error"].is_string());
    let deadline = Instant::now() + Duration::from_secs(10);
    while nodes[0].admin_get("/healthz").await.0 != 503 {
        assert!(
            Instant::now() < deadline,
            "/healthz stayed 200 with Redis down"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    redis.restart();
    // The nodes re-register: each sees the other's user again, and
    // delivery across nodes resumes.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        ann.send_json(to_bob.clone()).await;
        let replies: Vec<Value> = ann.drain(Duration::from_millis(300)).await;
        let delivered = bob.drain(Duration::from_millis(100)).await;
        if replies == [json!({"sendTo": "ok"})] && delivered == [json!("hi bob")] {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "cross-node delivery did not resume: {replies:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(is_online(&mut ann, "bob").await);
    let deadline = Instant::now() + Duration::from_secs(10);
    while nodes[0].admin_get("/healthz").await.0 != 200 {
        assert!(
            Instant::now() < deadline,
            "/healthz stayed 503 after Redis came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, metrics) = nodes[0].admin_get("/metrics").await;
    let failures = metrics
        .lines()
        .find_map(|line| line.strip_prefix("switchboard_cluster_send_failures_total "))
        .and_then(|value| value.parse::<f64>().ok())
        .unwrap();
    assert!(failures >= 21.0, "{failures}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_cannot_reach_redis_at_start_says_so() {
    let port = switchboard_tests::cluster::free_port();
    let mut settings = switchboard::Settings::for_tests();
    settings.cluster.redis = Some(format!("redis://127.0.0.1:{port}"));
    let err = switchboard::Server::bind(app("tests/apps/basic"), settings)
        .await
        .err()
        .expect("no Redis, no node");
    let text = format!("{err:#}");
    assert!(
        text.contains(&format!("redis://127.0.0.1:{port}")),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_is_shared_by_every_node() {
    let redis = Redis::start();
    let nodes = nodes("tests/conformance/rust", &redis, 2);
    let connect = |node: &Node, user: &str| {
        let url = format!("ws://{}/socket?user={user}", node.addr);
        async move { switchboard_tests::connect_url(&url).await }
    };
    // `on-online` adds each user to the set `online_seen`.
    let mut ann = connect(&nodes[0], "ann").await;
    assert_eq!(ann.recv_json().await["presence"], json!("online"));
    let mut bob = connect(&nodes[1], "bob").await;
    assert_eq!(bob.recv_json().await["presence"], json!("online"));

    let stored = ann
        .ask(json!({"op": "store", "key": "greeting", "value": "from node 0"}))
        .await;
    assert_eq!(stored, json!({"stored": "from node 0"}));
    let members = bob
        .ask(json!({"op": "members", "key": "online_seen"}))
        .await;
    assert_eq!(members, json!({"members": ["ann", "bob"]}));
    // A value is a value on every node: the other node replaces it.
    let stored = bob
        .ask(json!({"op": "store", "key": "greeting", "value": "from node 1"}))
        .await;
    assert_eq!(stored, json!({"stored": "from node 1"}));
    let wrong = bob
        .ask(json!({"op": "store", "key": "online_seen", "value": "x"}))
        .await;
    assert!(
        wrong["error"].as_str().unwrap().contains("holds a set"),
        "{wrong}"
    );
}

/// A node's backends on `redis`, joined directly, for the contract tests.
async fn contract_node(redis: &Redis) -> switchboard::backend::redis::Cluster {
    let options = switchboard::backend::redis::ClusterOptions {
        url: redis.url(),
        prefix: "contract".into(),
        node_ttl: Duration::from_secs(10),
    };
    let metrics = std::sync::Arc::new(switchboard::metrics::Metrics::off());
    switchboard::backend::redis::join(&options, "n1", metrics)
        .await
        .unwrap()
}

/// What every store must do, on the embedded one and on Redis alike: the
/// sizes the limits count with, the kinds, and the totals.
async fn store_contract(store: &dyn switchboard::backend::AppStore) {
    use switchboard::backend::{EntrySize, StoreError, Usage};
    store.set("a", "xyz").await.unwrap();
    store.set("a", "wxyz").await.unwrap();
    assert!(store.set_add("s", "m1").await.unwrap());
    assert!(!store.set_add("s", "m1").await.unwrap());
    assert!(store.set_add("s", "m22").await.unwrap());
    assert_eq!(store.get("a").await.unwrap().as_deref(), Some("wxyz"));
    assert_eq!(store.get("s").await.unwrap(), None);
    assert_eq!(store.set_members("s").await.unwrap(), ["m1", "m22"]);
    assert_eq!(store.set_members("a").await.unwrap(), Vec::<String>::new());
    assert_eq!(store.set("s", "v").await, Err(StoreError::WrongKind));
    assert_eq!(store.set_add("a", "m").await, Err(StoreError::WrongKind));
    let size = |exists, bytes, members| EntrySize {
        exists,
        bytes,
        members,
    };
    assert_eq!(store.entry_size("a").await.unwrap(), size(true, 5, 0));
    assert_eq!(store.entry_size("s").await.unwrap(), size(true, 6, 2));
    assert_eq!(store.entry_size("none").await.unwrap(), size(false, 0, 0));
    assert_eq!(store.usage().await.unwrap(), Usage { keys: 2, bytes: 11 });
    assert!(store.set_remove("s", "m1").await.unwrap());
    assert!(!store.set_remove("s", "m1").await.unwrap());
    assert!(store.set_remove("s", "m22").await.unwrap());
    assert!(store.delete("a").await.unwrap());
    assert!(!store.delete("a").await.unwrap());
    assert_eq!(store.usage().await.unwrap(), Usage { keys: 0, bytes: 0 });
}

#[tokio::test]
async fn the_redis_store_counts_as_the_embedded_one_does() {
    store_contract(&switchboard::backend::local::MemoryStore::new()).await;
    let redis = Redis::start();
    let cluster = contract_node(&redis).await;
    store_contract(cluster.store.as_ref()).await;
}

/// What every job queue must do, on SQLite and on Redis alike.
async fn queue_contract(queue: &dyn switchboard::backend::jobs::JobQueue) {
    use switchboard::backend::jobs::{NewJob, PushError, Pushed, now_ms};
    let job = |payload: &str, run_at: u64, key: Option<&str>| NewJob {
        queue: "mail".into(),
        payload: payload.into(),
        user: None,
        run_at,
        idempotency: key.map(|key| (key.to_owned(), now_ms() + 60_000)),
        max_depth: 3,
    };
    let now = now_ms();
    let first = queue.push(job("1", now, Some("k"))).await.unwrap();
    let Pushed::New(id) = first else {
        panic!("{first:?}")
    };
    assert_eq!(
        queue.push(job("1 again", now, Some("k"))).await.unwrap(),
        Pushed::Duplicate(id.clone())
    );
    let later = queue.push(job("2", now + 60_000, None)).await.unwrap();
    queue.push(job("3", now, None)).await.unwrap();
    assert!(matches!(
        queue.push(job("4", now, None)).await,
        Err(PushError::Full { depth: 3, .. })
    ));

    // Two due now; the delayed one waits.
    let leased = queue
        .lease("mail", 10, now_ms(), now_ms() + 60_000)
        .await
        .unwrap();
    let payloads: Vec<&str> = leased.iter().map(|job| job.payload.as_str()).collect();
    assert_eq!(payloads, ["1", "3"]);
    assert!(leased.iter().all(|job| job.attempt == 1));
    assert_eq!(queue.next_due("mail").await.unwrap(), Some(now + 60_000));
    let stats = queue.stats(now_ms()).await.unwrap();
    let mail = stats.iter().find(|q| q.queue == "mail").unwrap();
    assert_eq!(
        (mail.ready, mail.delayed, mail.running, mail.dead),
        (0, 1, 2, 0)
    );

    // A retry is due again at its time, as attempt 2; a release gives the
    // attempt back.
    queue.retry(&id, now_ms(), "boom").await.unwrap();
    let third = &leased[1].id;
    queue.release(third, now_ms()).await.unwrap();
    let again = queue
        .lease("mail", 10, now_ms(), now_ms() + 60_000)
        .await
        .unwrap();
    let attempts: Vec<(&str, u32)> = again
        .iter()
        .map(|j| (j.payload.as_str(), j.attempt))
        .collect();
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert!(
        attempts.contains(&("1", 2)) && attempts.contains(&("3", 1)),
        "{attempts:?}"
    );

    // The last attempt buries; a dead job is listed, requeued with its
    // attempts reset, or dropped.
    queue.bury(&id, "gave up", now_ms()).await.unwrap();
    let dead = queue.dead(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].id.as_str(), dead[0].error.as_str()),
        (id.as_str(), "gave up")
    );
    assert_eq!(dead[0].payload, "1");
    assert!(queue.requeue_dead(&id, now_ms()).await.unwrap());
    assert!(!queue.requeue_dead(&id, now_ms()).await.unwrap());
    let requeued = queue
        .lease("mail", 10, now_ms(), now_ms() + 60_000)
        .await
        .unwrap();
    assert_eq!(
        (requeued[0].id.as_str(), requeued[0].attempt),
        (id.as_str(), 1)
    );
    queue.complete(&id).await.unwrap();
    queue.complete(third).await.unwrap();

    // A lease that runs out makes the job due again, counting an attempt.
    let _ = later;
    let short = queue.push(job("5", now_ms(), None)).await.unwrap();
    let leased = queue
        .lease("mail", 10, now_ms(), now_ms() + 20)
        .await
        .unwrap();
    assert_eq!(leased.len(), 1);
    tokio::time::sleep(Duration::from_millis(60)).await;
    // (A queue's leases all last as long: its timeout and a margin.)
    let reclaimed = queue
        .lease("mail", 10, now_ms(), now_ms() + 20)
        .await
        .unwrap();
    assert_eq!(reclaimed.len(), 1);
    assert_eq!(
        (reclaimed[0].id.as_str(), reclaimed[0].attempt),
        (short.id(), 2)
    );

    // A tick is claimed once, and only if later than the last.
    assert_eq!(queue.last_tick("daily").await.unwrap(), None);
    assert!(queue.claim_tick("daily", 1000).await.unwrap());
    assert!(!queue.claim_tick("daily", 1000).await.unwrap());
    assert!(!queue.claim_tick("daily", 999).await.unwrap());
    assert!(queue.claim_tick("daily", 2000).await.unwrap());
    assert_eq!(queue.last_tick("daily").await.unwrap(), Some(2000));
}

#[tokio::test]
async fn the_redis_job_queue_behaves_as_the_embedded_one() {
    use switchboard::backend::local::{SqliteOptions, SqliteQueue};
    let dir = switchboard_tests::temp_dir("contract-queue");
    let options = SqliteOptions {
        batch_commits: true,
        recover: true,
    };
    let sqlite = SqliteQueue::open(&dir.0.join("jobs.db"), options).unwrap();
    queue_contract(&sqlite).await;
    let redis = Redis::start();
    let cluster = contract_node(&redis).await;
    queue_contract(cluster.jobs.as_ref()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_run_each_job_once_and_each_tick_on_one_node() {
    let redis = Redis::start();
    let nodes = nodes("tests/apps/jobs", &redis, 2);
    let mut watcher = nodes[0].connect_as("watcher").await;
    let mut ann = nodes[1].connect_as("ann").await;
    let mut ids = std::collections::BTreeSet::new();
    for i in 0..30 {
        ann.send_json(json!({"op": "push", "queue": "notify", "payload": {"n": i}}))
            .await;
    }
    let mut done = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while (done.len() < 30 || ids.len() < 30) && Instant::now() < deadline {
        let message = ann.recv_json().await;
        if let Some(id) = message["done"].as_str() {
            done.push(id.to_owned());
        }
        if let Some(id) = message["queued"].as_str() {
            ids.insert(id.to_owned());
        }
    }
    assert_eq!(ids.len(), 30);
    let unique: std::collections::BTreeSet<String> = done.iter().cloned().collect();
    assert_eq!(unique, ids);
    let extra = ann.drain(Duration::from_millis(500)).await;
    assert!(
        extra.iter().all(|m| m.get("done").is_none()),
        "ran twice: {extra:?}"
    );

    // Each second's tick, once, whichever node runs it.
    let mut ticks = Vec::new();
    let until = Instant::now() + Duration::from_millis(3500);
    while let Ok(message) = tokio::time::timeout_at(until.into(), watcher.recv_json()).await {
        ticks.extend(message["tick"].as_u64());
    }
    assert!(ticks.len() >= 2, "{ticks:?}");
    let mut seen = std::collections::BTreeSet::new();
    assert!(
        ticks.iter().all(|tick| seen.insert(*tick)),
        "a tick ran twice: {ticks:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_stopped_with_sigterm_leaves_at_once() {
    let redis = Redis::start();
    let mut nodes = nodes("tests/apps/basic", &redis, 2);
    let mut ann = nodes[0].connect_as("ann").await;
    let mut bob = nodes[1].connect_as("bob").await;
    assert!(is_online(&mut ann, "bob").await);
    nodes[1].signal("TERM");
    assert_eq!(bob.recv_close().await.0, 1012);
    let status = nodes[1].wait();
    assert!(status.success(), "{status:?}");
    let stopped = Instant::now();
    assert!(!is_online(&mut ann, "bob").await);
    assert!(stopped.elapsed() < Duration::from_secs(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_cut_off_and_back_states_its_connections_again() {
    let redis = Redis::start();
    let nodes = nodes("tests/apps/hooks", &redis, 2);
    let mut observer = nodes[0].connect_as("observer").await;
    let mut away = nodes[1].connect_as("away").await;
    let _ = observed(&mut observer, Duration::from_millis(500)).await;
    let _ = away.drain(Duration::from_millis(100)).await;

    // As if node 1 had been cut off past its TTL: its heartbeat is gone.
    let status = std::process::Command::new("redis-cli")
        .args(["-p", &redis.port.to_string(), "DEL"])
        .arg(format!("sb:node:{}:alive", nodes[1].id))
        .output()
        .unwrap();
    assert!(status.status.success());
    // Either node 0 takes it for dead first (on-offline), and node 1,
    // finding its heartbeat gone, registers its connection again
    // (on-online); or node 1 notices first and claims its own cleanup, and
    // nothing changes for anyone.
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(6);
    while events.len() < 2 && Instant::now() < deadline {
        events.extend(observed(&mut observer, Duration::from_millis(500)).await);
    }
    let bounce = [
        ("away".to_owned(), "offline".to_owned()),
        ("away".to_owned(), "online".to_owned()),
    ];
    assert!(events.is_empty() || events == bounce, "{events:?}");
    println!("events after the heartbeat vanished: {events:?}");
    let _ = away.drain(Duration::from_millis(100)).await;
    // Online, as the other node's admin API sees it, and still reached
    // from there.
    let (status, body) = nodes[0].admin_get("/_switchboard/users/away").await;
    assert_eq!(status, 200, "{body}");
    observer
        .send_json(json!({"action": "sendto", "users": ["away"], "message": "still here"}))
        .await;
    let got = away.drain(Duration::from_millis(500)).await;
    assert!(got.contains(&json!("still here")), "{got:?}");
}

/// The soak across three nodes: each user has a device on two nodes; one
/// sends numbered messages to its own user, and halfway moves to the third
/// node. Both devices get every message, once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_soak_across_three_nodes_loses_nothing_and_keeps_order() {
    const USERS: usize = 60;
    const MESSAGES: usize = 20;
    let redis = Redis::start();
    let nodes = nodes("tests/apps/basic", &redis, 3);
    let addrs: Vec<std::net::SocketAddr> = nodes.iter().map(|node| node.addr).collect();
    let mut tasks = Vec::new();
    for id in 0..USERS {
        let addrs = addrs.clone();
        tasks.push(tokio::spawn(async move {
            let user = format!("soak{id}");
            let headers = [("x-user", user.as_str())];
            let mut sender = switchboard_tests::connect(addrs[id % 3], &headers).await;
            let mut other = switchboard_tests::connect(addrs[(id + 1) % 3], &headers).await;
            for k in 0..MESSAGES {
                if k == MESSAGES / 2 {
                    sender.ws.close(None).await.ok();
                    sender = switchboard_tests::connect(addrs[(id + 2) % 3], &headers).await;
                }
                let message = json!({"c": id, "k": k});
                sender
                    .send_json(json!({"action": "send", "message": message}))
                    .await;
                assert_eq!(sender.recv_json().await, message, "user {id}, sender");
                assert_eq!(other.recv_json().await, message, "user {id}, other device");
            }
            sender.expect_silence(Duration::from_millis(100)).await;
            other.expect_silence(Duration::from_millis(100)).await;
        }));
    }
    for task in tasks {
        task.await.expect("a user's devices got everything");
    }
}
