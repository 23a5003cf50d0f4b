//! The job triggers: a runner for each queue of the app (`worker`) and a
//! clock for each schedule (`schedule`). [`run`] keeps one task per queue
//! and per schedule of the current app, and reconciles them after every
//! hot swap: a new queue gets a worker, a removed one loses it (its jobs
//! stay queued), and a schedule whose component changed restarts with its
//! new expression, without starting a run beside one of the old version.
//!
//! Depends on `context` and below.

mod schedule;
mod worker;

use crate::backend::jobs::Queues;
use crate::context::Services;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Runs the app's queues and schedules until `stop` turns true.
pub async fn run(
    services: Arc<Services>,
    queues: Queues,
    mut swapped: watch::Receiver<()>,
    mut stop: watch::Receiver<bool>,
) {
    let mut workers: HashMap<String, JoinHandle<()>> = HashMap::new();
    // Each schedule's task, and the component hash it was started for.
    let mut clocks: HashMap<String, (String, JoinHandle<()>)> = HashMap::new();
    // Whether each schedule has a run going, kept across clock restarts.
    let mut busy: HashMap<String, schedule::Busy> = HashMap::new();
    loop {
        let app = services.app.load_full();
        queues.set_names(app.queues.keys().map(String::as_str));
        workers.retain(|name, task| {
            let keep = app.queues.contains_key(name) && !task.is_finished();
            if !keep {
                task.abort();
            }
            keep
        });
        for name in app.queues.keys() {
            if !workers.contains_key(name) {
                let task =
                    worker::spawn(services.clone(), queues.clone(), name.clone(), stop.clone());
                workers.insert(name.clone(), task);
            }
        }
        clocks.retain(|name, (hash, task)| {
            let same = app
                .schedules
                .get(name)
                .is_some_and(|component| &component.hash == hash);
            if !same {
                task.abort();
            }
            same
        });
        busy.retain(|name, _| app.schedules.contains_key(name));
        for (name, component) in &app.schedules {
            if !clocks.contains_key(name) {
                let running = busy.entry(name.clone()).or_default().clone();
                let task = schedule::spawn(services.clone(), queues.clone(), name.clone(), running);
                clocks.insert(name.clone(), (component.hash.clone(), task));
            }
        }
        tokio::select! {
            changed = swapped.changed() => if changed.is_err() { break },
            _ = stop.wait_for(|stop| *stop) => break,
        }
    }
    for (_, task) in clocks.into_values() {
        task.abort();
    }
    // Each worker lets its runs finish within the drain window, then
    // releases the rest.
    for task in workers.into_values() {
        let _ = task.await;
    }
}
