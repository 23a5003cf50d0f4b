//! A reply to the connection that sent a message goes straight to that
//! connection's queue, never through the hub; a user's `send` goes
//! through the hub. Shown with a hub that delivers nothing.

mod common;

use std::sync::Arc;
use switchboard::backend::limits::{LimitedStore, StoreLimits};
use switchboard::backend::local::MemoryStore;
use switchboard::backend::null::NullHub;
use switchboard::backend::{Link, Peer};
use switchboard::runtime::bindings::types::{Data, Request};
use switchboard::runtime::{CallScope, Runtime};
use switchboard::settings::CallLimits;
use tokio::sync::mpsc;

#[tokio::test]
async fn anonymous_replies_skip_the_hub_and_user_sends_take_it() {
    let app = common::echo_app();
    let runtime = Runtime::new(CallLimits::default(), None).unwrap();
    let wasm = std::fs::read(app.join("socket/index.wasm")).unwrap();
    let echo = runtime.load("index.wasm", wasm).await.unwrap();
    let store = LimitedStore::new(Arc::new(MemoryStore::new()), StoreLimits::default());

    for user in [None, Some("ann".to_owned())] {
        let (queue, mut outbound) = mpsc::channel(8);
        let peer = Peer {
            id: "node-c1".into(),
            user: user.clone(),
            queue,
            link: Arc::new(Link::new("127.0.0.1:1".into())),
        };
        let scope = CallScope::new(Arc::new(NullHub), store.clone()).for_connection(peer, None);
        let request = Request {
            connection: "node-c1".into(),
            data: Data::Text("hello".into()),
            request_id: "r1".into(),
            user: None,
            params: Vec::new(),
        };
        let (result, _) = runtime.handle(&echo, scope, &request).await;
        result.unwrap();
        match user {
            // Straight to the queue, although the hub knows no one.
            None => assert!(outbound.try_recv().is_ok(), "the reply was queued"),
            // Through the hub, which here reaches no one.
            Some(_) => assert!(
                outbound.try_recv().is_err(),
                "a user's send went via the hub"
            ),
        }
    }
}
