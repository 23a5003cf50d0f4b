//! A client that stops reading while others are flooded: it is
//! disconnected at its queue bound, the others' latency stays near normal,
//! and server memory stays bounded.

use serde_json::json;
use std::time::{Duration, Instant};
use switchboard_tests::{Client, TestServer};

/// Median round-trip time of `rounds` echo requests.
async fn median_rtt(client: &mut Client, rounds: usize) -> Duration {
    let mut samples = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let started = Instant::now();
        client.expect_round_trip(json!(i)).await;
        samples.push(started.elapsed());
    }
    samples.sort();
    samples[rounds / 2]
}

/// Resident memory of this process (the server runs in it), in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_cut_off_without_hurting_the_others() {
    let server = TestServer::basic_with(|config| {
        config.connections.outbound_queue = 64;
        // The flooder's 400 round trips come faster than the default
        // message rate.
        config.edge.message_rate = 0.0;
    })
    .await;
    let mut others = Vec::new();
    for _ in 0..10 {
        others.push(server.connect().await);
    }
    let normal = median_rtt(&mut others[0], 200).await;
    let memory_before = rss();

    let slow = server.connect_as("slow").await;
    let mut flooder = server.connect().await;
    let flood = tokio::spawn(async move {
        let big = json!("x".repeat(50_000));
        for _ in 0..400 {
            flooder.send_to(&["slow"], big.clone()).await;
        }
        flooder
    });
    let during = median_rtt(&mut others[1], 200).await;
    let mut flooder = flood.await.unwrap();
    assert!(
        flooder.wait_until_offline("slow").await,
        "the slow client was cut off"
    );
    let memory_after = rss();

    // Timing on a shared 2-core machine is noisy: allow 2x plus a little.
    assert!(
        during <= normal * 2 + Duration::from_millis(2),
        "median round trip {during:?} during the flood vs {normal:?} before"
    );
    // 400 × 50 KB = 20 MB was sent at the slow client; its queue holds
    // 64 messages (3.2 MB), so memory must not grow by anything like 20 MB.
    let grown = memory_after.saturating_sub(memory_before);
    assert!(
        grown < 16 << 20,
        "server memory grew by {} MiB",
        grown >> 20
    );
    drop(slow);
}
