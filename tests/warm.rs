//! Warm instances (`instances: warm`): module state persists between
//! calls, while every call keeps its own scope and limits, failures and
//! swaps discard instances, and the pools stay within their bounds.
//! The app is tests/apps/warm: `index` is warm, `action_fresh` the same
//! code fresh, `action_other` a second warm component.

use futures_util::future::join_all;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use switchboard::Settings;
use switchboard::runtime::Component;
use switchboard_tests::{Client, TestServer, app, app_subset, error_text};

async fn serve(tweak: impl FnOnce(&mut Settings)) -> TestServer {
    TestServer::start(&app("tests/apps/warm"), tweak).await
}

/// The component serving `file` now.
fn component(server: &TestServer, file: &str) -> Arc<Component> {
    let app = server.services.app.load();
    app.components[file].clone()
}

/// Asks the warm handler for `op` and returns its count.
async fn count(client: &mut Client, message: Value) -> u64 {
    let reply = client.ask(message.clone()).await;
    reply["count"]
        .as_u64()
        .unwrap_or_else(|| panic!("a count for {message}, got {reply}"))
}

#[tokio::test]
async fn warm_state_persists_and_fresh_state_does_not() {
    let server = serve(|_| {}).await;
    let mut ann = server.connect_as("ann").await;
    let mut bob = server.connect_as("bob").await;
    for n in 1..=3 {
        assert_eq!(count(&mut ann, json!({})).await, n);
    }
    // Bob's call runs in the instance Ann's calls warmed, but acts for
    // Bob: the reply reaches him, not her.
    let reply = bob.ask(json!({})).await;
    assert_eq!(reply, json!({"count": 4, "mode": "warm", "user": "bob"}));
    ann.expect_silence(Duration::from_millis(100)).await;

    for _ in 0..3 {
        let reply = ann.ask(json!({"action": "fresh"})).await;
        assert_eq!(reply, json!({"count": 1, "mode": "fresh", "user": "ann"}));
    }
    let index = component(&server, "index.wasm");
    assert_eq!(index.options.instances_name(), "warm");
    assert_eq!(index.warm_usage().unwrap().instances, 1);
    let fresh = component(&server, "action_fresh.wasm");
    assert_eq!(fresh.options.instances_name(), "fresh");
    assert!(fresh.warm_usage().is_none());
}

#[tokio::test]
async fn each_failure_discards_the_instance() {
    let server = serve(|settings| settings.limits.memory_limit_mib = 16).await;
    let mut client = server.connect().await;
    let failures = [
        (json!({"op": "trap"}), "trapped"),
        (json!({"op": "spin"}), "ran out of fuel"),
        (json!({"op": "grab", "mib": 32}), "memory limit of 16 MiB"),
    ];
    for (message, error) in failures {
        assert_eq!(count(&mut client, json!({})).await, 1);
        assert_eq!(count(&mut client, json!({})).await, 2);
        let reply = client.ask(message).await;
        assert!(error_text(&reply).contains(error), "{reply}");
        assert_eq!(count(&mut client, json!({})).await, 1, "after {error}");
        // Start the next round on a fresh instance too.
        client.ask(json!({"op": "trap"})).await;
    }
    // A guest's own error is an answer, not a failure: the instance stays.
    assert_eq!(count(&mut client, json!({})).await, 1);
    let reply = client.ask(json!({"op": "nonsense"})).await;
    assert_eq!(error_text(&reply), "unknown op nonsense");
    assert_eq!(count(&mut client, json!({})).await, 3);
}

#[tokio::test]
async fn a_timeout_discards_the_instance() {
    let server = serve(|settings| {
        settings.limits.timeout = 1;
        settings.limits.fuel = u64::MAX / 2;
    })
    .await;
    let mut client = server.connect().await;
    assert_eq!(count(&mut client, json!({})).await, 1);
    let reply = client.ask(json!({"op": "busy", "ms": 3000})).await;
    assert!(error_text(&reply).contains("timed out"), "{reply}");
    assert_eq!(count(&mut client, json!({})).await, 1);
}

#[tokio::test]
async fn limits_apply_to_each_call() {
    let server = serve(|settings| settings.limits.max_sends_per_call = 4).await;
    let mut client = server.connect().await;
    for round in 0..3 {
        // Three sends and the reply: the whole allowance, every call.
        client.send_json(json!({"op": "sends", "n": 3})).await;
        for n in 0..3 {
            assert_eq!(client.recv_json().await, json!({"n": n}));
        }
        let reply = client.recv_json().await;
        assert_eq!(reply["count"], json!(round + 1), "{reply}");
    }
}

#[tokio::test]
async fn fuel_and_the_deadline_are_given_afresh_to_each_call() {
    // One call of a million rounds takes more than 2 million units of fuel
    // (a call fails on 4 million), so twenty calls on one instance would
    // run out of 20 million if fuel carried over.
    let server = serve(|settings| settings.limits.fuel = 20_000_000).await;
    let mut client = server.connect().await;
    for n in 1..=20 {
        let count = count(&mut client, json!({"op": "work", "n": 1_000_000})).await;
        assert_eq!(count, n, "the same instance, with fuel to spare");
    }
    // Each call may take 0.4 s of a 1 s timeout: five in a row would pass
    // a deadline that was not renewed.
    let server = serve(|settings| {
        settings.limits.fuel = u64::MAX / 2;
        settings.limits.timeout = 1;
    })
    .await;
    let mut client = server.connect().await;
    for n in 1..=5 {
        let count = count(&mut client, json!({"op": "busy", "ms": 400})).await;
        assert_eq!(count, n);
    }
}

#[tokio::test]
async fn instances_retire_after_their_calls_and_when_idle() {
    let server = serve(|settings| {
        settings.limits.warm_max_calls = 3;
        settings.limits.warm_idle_timeout = 0.3;
    })
    .await;
    let mut client = server.connect().await;
    let counts: Vec<u64> = {
        let mut counts = Vec::new();
        for _ in 0..7 {
            counts.push(count(&mut client, json!({})).await);
        }
        counts
    };
    assert_eq!(counts, [1, 2, 3, 1, 2, 3, 1]);
    let index = component(&server, "index.wasm");
    assert_eq!(index.warm_usage().unwrap().instances, 1);
    // The sweep drops it once idle, without waiting for a call.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(index.warm_usage().unwrap().instances, 0);
    assert_eq!(server.services.runtime.warm_usage().instances, 0);
    assert_eq!(count(&mut client, json!({})).await, 1);
}

#[tokio::test]
async fn pools_stay_within_their_bounds_under_concurrent_calls() {
    let server = serve(|settings| {
        settings.limits.warm_pool_size = 2;
        settings.limits.warm_max_instances = 3;
    })
    .await;
    let mut clients = Vec::new();
    for _ in 0..8 {
        clients.push(server.connect().await);
    }
    for _ in 0..3 {
        let calls = clients.iter_mut().enumerate().map(|(n, client)| {
            let action = if n % 2 == 0 { "index" } else { "other" };
            client.ask(json!({"action": action, "op": "busy", "ms": 30}))
        });
        for reply in join_all(calls).await {
            assert!(reply["count"].as_u64().is_some(), "{reply}");
        }
        let (index, other) = (
            component(&server, "index.wasm").warm_usage().unwrap(),
            component(&server, "action_other.wasm")
                .warm_usage()
                .unwrap(),
        );
        assert!(index.instances <= 2 && other.instances <= 2);
        let total = server.services.runtime.warm_usage();
        assert_eq!(total.instances, index.instances + other.instances);
        assert!(total.instances <= 3, "{total:?}");
        assert!(total.instances >= 2, "each component keeps one: {total:?}");
    }
}

#[tokio::test]
async fn the_memory_bound_keeps_big_instances_out_of_the_pool() {
    let server = serve(|settings| settings.limits.warm_max_memory_mib = 4).await;
    let mut client = server.connect().await;
    assert_eq!(count(&mut client, json!({})).await, 1);
    assert_eq!(count(&mut client, json!({})).await, 2);
    let held = server.services.runtime.warm_usage();
    assert!(held.bytes > 0 && held.bytes <= 4 << 20, "{held:?}");
    // Past the bound, the instance is dropped after its call.
    assert_eq!(count(&mut client, json!({"op": "grab", "mib": 8})).await, 3);
    assert_eq!(server.services.runtime.warm_usage().instances, 0);
    assert_eq!(count(&mut client, json!({})).await, 1);
}

/// `wasm` with a custom section appended: the same code, another hash.
fn touched(wasm: &[u8]) -> Vec<u8> {
    let mut out = wasm.to_vec();
    let (name, payload) = (b"touch", b"again");
    out.extend([0, (1 + name.len() + payload.len()) as u8, name.len() as u8]);
    out.extend(name);
    out.extend(payload);
    out
}

#[tokio::test]
async fn a_swap_drops_the_old_instances() {
    let built = app("tests/apps/warm");
    let dir = app_subset(&built, &["index.wasm"]);
    let server = TestServer::start(&dir.0, |settings| settings.components.watch = true).await;
    let mut client = server.connect().await;
    assert_eq!(count(&mut client, json!({})).await, 1);
    assert_eq!(count(&mut client, json!({})).await, 2);
    let old = component(&server, "index.wasm");
    assert_eq!(old.warm_usage().unwrap().instances, 1);

    let file = dir.0.join("socket/index.wasm");
    let wasm = std::fs::read(&file).unwrap();
    write_atomically(&file, &touched(&wasm));
    let swapped = async {
        while Arc::ptr_eq(&component(&server, "index.wasm"), &old) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), swapped)
        .await
        .expect("the changed file is swapped in");
    assert_eq!(old.warm_usage().unwrap().instances, 0);
    assert_eq!(server.services.runtime.warm_usage().instances, 0);
    assert_eq!(count(&mut client, json!({})).await, 1);
}

fn write_atomically(file: &Path, bytes: &[u8]) {
    let temp = file.with_extension("tmp");
    std::fs::write(&temp, bytes).unwrap();
    std::fs::rename(temp, file).unwrap();
}

#[tokio::test]
async fn admin_and_metrics_show_the_pools() {
    let server =
        serve(|settings| settings.listen.admin = Some("127.0.0.1:0".parse().unwrap())).await;
    let mut client = server.connect().await;
    count(&mut client, json!({})).await;
    let admin = server.admin.unwrap();
    let list: Value = reqwest::get(format!("http://{admin}/_switchboard/components"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entry = |file: &str| {
        let list = list.as_array().unwrap();
        list.iter()
            .find(|c| c["file"] == json!(file))
            .unwrap()
            .clone()
    };
    let index = entry("index.wasm");
    assert_eq!(index["config"]["instances"], json!("warm"));
    assert_eq!(index["warm"]["idle"], json!(1));
    assert!(index["warm"]["memoryBytes"].as_u64().unwrap() > 0);
    let fresh = entry("action_fresh.wasm");
    assert_eq!(fresh["config"]["instances"], json!("fresh"));
    assert_eq!(fresh["warm"], Value::Null);

    let metrics = reqwest::get(format!("http://{admin}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|line| line == "switchboard_warm_instances 1"),
        "{metrics}"
    );
    assert!(metrics.contains("switchboard_warm_memory_bytes "));
}
