//! Each connection's message rate: errors past the burst, 1008 for a
//! client that keeps flooding, and no harm to the others.

use crate::echoes;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use switchboard_tests::{Client, Message, TestServer, app};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// Median of `rounds` round trips.
async fn median_rtt(client: &mut Client, rounds: usize) -> Duration {
    let mut times = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        assert!(echoes(client).await, "a normal client's round trip failed");
        times.push(started.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

/// Sends `count` messages as fast as the socket takes them, reading
/// nothing.
async fn burst(client: &mut Client, count: usize) {
    for n in 0..count {
        let message = json!({"action": "send", "message": {"n": n}}).to_string();
        client.ws.feed(Message::text(message)).await.unwrap();
    }
    client.ws.flush().await.unwrap();
}

fn is_rate_limit(reply: &Value) -> bool {
    reply["error"]
        .as_str()
        .is_some_and(|e| e.starts_with("rate limit: "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_client_is_refused_then_closed_while_others_are_served() {
    let server = TestServer::start(&app("tests/apps/basic"), |_| {}).await;
    let edge = server.services.settings.edge.clone();
    let burst_size = edge.message_burst as usize;
    let mut other = server.connect().await;
    let normal = median_rtt(&mut other, 50).await;

    // Past the burst, messages are answered with errors and not handled.
    let mut flooder = server.connect().await;
    let sent = burst_size + 50;
    burst(&mut flooder, sent).await;
    // The bucket refills while the burst is read, so a later message can
    // be handled after earlier ones were refused: handled ones still come
    // in order, and the first `burst_size` are all handled.
    let (mut handled, mut limited, mut last) = (0, 0, None);
    for _ in 0..sent {
        let reply = flooder.recv_json().await;
        if is_rate_limit(&reply) {
            limited += 1;
        } else {
            let n = reply["n"].as_u64().expect("an echo of the message");
            assert!(last.is_none_or(|last| n > last), "handled in order");
            if handled < burst_size {
                assert_eq!(n, handled as u64, "the burst is handled whole");
            }
            last = Some(n);
            handled += 1;
        }
    }
    assert!(
        handled >= burst_size && limited >= 40,
        "{handled} handled, {limited} limited"
    );
    flooder.expect_silence(Duration::from_millis(100)).await;
    // Once the bucket refills a little, it is served again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(echoes(&mut flooder).await);

    // A client that keeps flooding is closed with 1008.
    let (mut sink, mut stream) = flooder.ws.split();
    let sender = tokio::spawn(async move {
        for n in 0..20_000 {
            let message = json!({"action": "send", "message": {"n": n}}).to_string();
            if sink.feed(Message::text(message)).await.is_err() {
                return;
            }
            if n % 100 == 0 && sink.flush().await.is_err() {
                return;
            }
        }
        let _ = sink.flush().await;
    });
    let reader = tokio::spawn(async move {
        let mut errors = 0;
        loop {
            let next = tokio::time::timeout(Duration::from_secs(10), stream.next()).await;
            match next
                .expect("the flooder hears back")
                .expect("a close frame first")
            {
                Ok(Message::Text(text)) => {
                    let reply: Value = serde_json::from_str(&text).unwrap();
                    errors += usize::from(is_rate_limit(&reply));
                }
                Ok(Message::Close(frame)) => return (errors, frame),
                Ok(_) => {}
                Err(err) => panic!("flooder: {err}"),
            }
        }
    });
    let mut during = Vec::new();
    while during.len() < 10 || (!reader.is_finished() && during.len() < 100) {
        let started = Instant::now();
        assert!(
            echoes(&mut other).await,
            "a normal client's round trip failed"
        );
        during.push(started.elapsed());
    }
    let (errors, close) = reader.await.unwrap();
    sender.await.unwrap();
    let close = close.expect("a close frame with a code");
    assert_eq!(close.code, CloseCode::Policy);
    assert_eq!(close.reason.as_str(), "rate limit");
    assert!(
        errors >= edge.rate_limit_refusals as usize,
        "{errors} rate-limit errors"
    );

    during.sort();
    let during = during[during.len() / 2];
    // Timing on a shared 2-core machine is noisy: this only catches a
    // flood that starves the others, not a small slowdown.
    assert!(
        during <= normal * 3 + Duration::from_millis(5),
        "median round trip {during:?} during the flood vs {normal:?} before"
    );
    assert!(echoes(&mut other).await);
}
