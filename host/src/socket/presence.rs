//! Runs the app's presence hooks: exactly once per transition, and in
//! order for each user, while different users' hooks run concurrently.
//!
//! The hub reports transitions in the order they happen; this dispatcher
//! chains each user's hook calls so that a quick offline-online pair is
//! never seen by the app the other way round.

use crate::app::logging;
use crate::backend::{PresenceEvent, PresenceEvents};
use crate::context::Services;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::task::JoinHandle;
use tracing::Instrument;

/// Runs the hooks of each event until the hub (the sender) is gone.
pub async fn run_hooks(services: Arc<Services>, mut events: PresenceEvents) {
    let mut chains: HashMap<String, JoinHandle<()>> = HashMap::new();
    while let Some(event) = events.recv().await {
        match event.online {
            true => services.metrics.users_online.inc(),
            false => services.metrics.users_online.dec(),
        };
        if chains.len() > 1024 {
            chains.retain(|_, call| !call.is_finished());
        }
        let previous = chains.remove(&event.user);
        let user = event.user.clone();
        let services = services.clone();
        let call = tokio::spawn(async move {
            if let Some(previous) = previous {
                let _ = previous.await;
            }
            run_hook(&services, &event).await;
        });
        chains.insert(user, call);
    }
}

/// Calls `on-online` or `on-offline` of the current app, if it has them.
async fn run_hook(services: &Services, event: &PresenceEvent) {
    let app = services.app.load_full();
    let Some(component) = &app.presence else {
        return;
    };
    let hooks = &app.root_hooks;
    let runtime = &services.runtime;
    let scope = services
        .scope()
        .for_user(event.user.clone())
        .for_hook()
        .recording_sent(hooks.records_sent());
    let name = if event.online {
        "on-online"
    } else {
        "on-offline"
    };
    let span = tracing::info_span!("presence", user = %event.user, hook = name);
    let (result, record) = runtime
        .presence(component, scope.clone(), &event.user, event.online)
        .instrument(span)
        .await;
    if !record.sent.is_empty() {
        logging::messages_sent(runtime, hooks, &scope, record.sent).await;
    }
    if let Err(err) = result {
        let error = format!("{name}({}) in {} failed: {err}", event.user, component.name);
        logging::error(runtime, hooks, &scope, &error, None).await;
    }
}
