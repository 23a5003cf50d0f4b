//! Hostile guests while 50 well-behaved clients keep messaging: the
//! server stays up, every good message is answered in order, and each
//! hostile call gets `{"error"}`.

use serde_json::{Value, json};
use std::time::Duration;
use switchboard_tests::{Client, Message, TestServer, app};

const GOOD_CLIENTS: usize = 50;
const ROUNDS: u64 = 30;

/// One good client's session: `ROUNDS` round trips, each answered in order.
async fn good_client(mut client: Client) -> u64 {
    for n in 0..ROUNDS {
        let reply = client.ask(json!({"n": n})).await;
        assert_eq!(reply, json!({"n": n}), "a good client got a wrong answer");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    ROUNDS
}

/// Sends `message` and returns the first error reply, skipping anything
/// else the hostile call managed to send first.
async fn error_of(client: &mut Client, message: Value) -> String {
    client.send_json(message).await;
    loop {
        let reply = client.recv().await;
        if let Message::Text(text) = reply {
            let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if let Some(error) = value["error"].as_str() {
                return error.to_owned();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_guests_do_not_hurt_good_clients() {
    let server = TestServer::start(&app("tests/apps/hostile"), |_| {}).await;
    let mut good = Vec::new();
    for _ in 0..GOOD_CLIENTS {
        good.push(tokio::spawn(good_client(server.connect().await)));
    }

    let mut hostile = server.connect().await;
    let cases = [
        ("loop", "ran out of fuel"),
        ("bomb", "memory limit"),
        // A Rust guest's stack lives in linear memory, so deep recursion
        // runs off its bottom (an out-of-bounds trap) before the engine's
        // own stack limit would.
        ("recurse", "trapped"),
        ("huge", "memory limit"),
        ("crowd", "at most 100 users"),
        ("flood", "limit of 1000 messages"),
        ("panic", "trapped"),
    ];
    for (action, expected) in cases {
        let error = error_of(&mut hostile, json!({"action": action})).await;
        assert!(
            error.contains(expected),
            "{action}: expected {expected:?} in {error:?}"
        );
    }

    // An authenticate that never returns is cut off and refused.
    let (status, _) = server.connect_refused("/socket?user=hang").await;
    assert_eq!(status, 500);
    // A presence hook that traps does not stop its connection.
    let mut trapper = server.connect_with("/socket?user=trap", &[]).await;
    assert_eq!(trapper.ask(json!({"n": 7})).await, json!({"n": 7}));

    let mut answered = 0;
    for client in good {
        answered += client.await.expect("a good client finished");
    }
    assert_eq!(answered, GOOD_CLIENTS as u64 * ROUNDS);
    // And the hostile connection itself still works.
    assert_eq!(hostile.ask(json!({"n": 1})).await, json!({"n": 1}));
}
