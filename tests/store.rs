//! The store's limits through a real socket: a write past the byte cap is
//! an error the handler passes on, and nothing already stored is lost.

use serde_json::json;
use switchboard_tests::{TestServer, app};

#[tokio::test]
async fn a_write_past_the_byte_cap_is_refused_and_nothing_is_lost() {
    let server = TestServer::start(&app("tests/conformance/rust"), |settings| {
        settings.store.max_bytes = 200;
    })
    .await;
    // `on-online` adds ann to the set `online_seen` (14 bytes).
    let mut ann = server.connect_with("/socket?user=ann", &[]).await;
    assert_eq!(ann.recv_json().await["presence"], json!("online"));

    let a = "x".repeat(150);
    let store = |key: &str, value: &str| json!({"op": "store", "key": key, "value": value});
    assert_eq!(ann.ask(store("a", &a)).await, json!({"stored": a}));
    assert_eq!(
        ann.ask(store("b", &"y".repeat(100))).await,
        json!({"error": "the store would pass its cap of 200 bytes"})
    );
    // What was there stays, and replacing a value counts the difference.
    assert_eq!(
        ann.ask(json!({"op": "members", "key": "online_seen"}))
            .await,
        json!({"members": ["ann"]})
    );
    let shorter = "z".repeat(140);
    assert_eq!(
        ann.ask(store("a", &shorter)).await,
        json!({"stored": shorter})
    );
    assert_eq!(
        ann.ask(store("b", "fits now")).await,
        json!({"stored": "fits now"})
    );
}
