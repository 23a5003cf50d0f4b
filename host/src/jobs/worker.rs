//! One queue's runner: leases due jobs up to the queue's concurrency, runs
//! each in its component, and settles it: done, retried after a backoff,
//! or, after its last attempt, moved to the dead letters.

use crate::backend::jobs::{Job, JobQueue, Queues, now_ms};
use crate::context::Services;
use crate::runtime::Component;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tracing::Instrument;

/// The longest the runner sleeps without looking at the queue, so that
/// jobs another process requeued, and leases that ran out, are seen.
const POLL: Duration = Duration::from_secs(1);
/// How long a backend failure pauses the runner.
const BACKOFF_ON_ERROR: Duration = Duration::from_secs(1);
/// A lease outlives the run's timeout by this much.
const LEASE_MARGIN: Duration = Duration::from_secs(30);

pub(super) fn spawn(
    services: Arc<Services>,
    queues: Queues,
    name: String,
    stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let span = tracing::info_span!("queue", queue = %name);
    tokio::spawn(run(services, queues, name, stop).instrument(span))
}

/// Runs the queue until the server stops; then lets the jobs running
/// finish within the drain window, and releases the leases of the rest.
async fn run(services: Arc<Services>, queues: Queues, name: String, stop: watch::Receiver<bool>) {
    let mut running = Running::default();
    let stopped = stop.clone();
    tokio::select! {
        _ = serve(&services, &queues, &name, &mut running) => {}
        _ = wait_stopped(stopped) => {}
    }
    let window = services.settings.connections.drain_window();
    let finishing = async { while running.set.join_next().await.is_some() {} };
    if tokio::time::timeout(window, finishing).await.is_ok() {
        return;
    }
    running.set.abort_all();
    let backend = queues.backend();
    for id in running.jobs.values() {
        match backend.release(id, now_ms()).await {
            Ok(()) => tracing::info!(job = %id, "stopping: released the job for another run"),
            Err(err) => {
                tracing::warn!(job = %id, %err, "cannot release the job; its lease runs out")
            }
        }
    }
}

async fn wait_stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

/// The runs in progress, and the job each is for.
#[derive(Default)]
struct Running {
    set: JoinSet<()>,
    jobs: HashMap<tokio::task::Id, String>,
}

impl Running {
    fn reap(&mut self) {
        while let Some(ended) = self.set.try_join_next_with_id() {
            self.forget(ended.map(|(id, ())| id).unwrap_or_else(|err| err.id()));
        }
    }

    fn forget(&mut self, task: tokio::task::Id) {
        self.jobs.remove(&task);
    }

    fn len(&self) -> usize {
        self.set.len()
    }
}

async fn serve(services: &Arc<Services>, queues: &Queues, name: &str, running: &mut Running) {
    let Some(signal) = queues.signal(name) else {
        return;
    };
    let backend = queues.backend().clone();
    loop {
        // Free the slots of every run that ended, not one per turn: each
        // turn waits for a lease, and counting ended runs as running
        // would hold the queue to one job per lease.
        running.reap();
        let Some(component) = services.app.load().queues.get(name).cloned() else {
            return;
        };
        let options = component.job_options.unwrap_or_default();
        let concurrency = options
            .concurrency
            .unwrap_or(services.settings.jobs.concurrency)
            .max(1) as usize;
        let timeout = options
            .timeout
            .unwrap_or(services.runtime.limits().default_timeout());
        let mut wait = POLL;
        if running.len() < concurrency {
            let now = now_ms();
            let lease_until = now + (timeout + LEASE_MARGIN).as_millis() as u64;
            let free = concurrency - running.len();
            match backend.lease(name, free, now, lease_until).await {
                Ok(jobs) if !jobs.is_empty() => {
                    for job in jobs {
                        let id = job.id.clone();
                        let run = run_one(services.clone(), queues.clone(), component.clone(), job);
                        let task = running.set.spawn(run.in_current_span());
                        running.jobs.insert(task.id(), id);
                    }
                    continue;
                }
                Ok(_) => match backend.next_due(name).await {
                    Ok(Some(due)) => {
                        let until = Duration::from_millis(due.saturating_sub(now_ms()));
                        wait = wait.min(until.max(Duration::from_millis(1)));
                    }
                    Ok(None) => {}
                    Err(err) => tracing::warn!(%err, "cannot read the queue"),
                },
                Err(err) => {
                    tracing::warn!(%err, "cannot lease jobs; trying again shortly");
                    wait = BACKOFF_ON_ERROR;
                }
            }
        }
        tokio::select! {
            _ = signal.notified() => {}
            Some(ended) = running.set.join_next_with_id(), if running.len() > 0 => {
                running.forget(ended.map(|(id, ())| id).unwrap_or_else(|err| err.id()));
            }
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Runs one attempt and settles the job.
async fn run_one(services: Arc<Services>, queues: Queues, component: Arc<Component>, job: Job) {
    let scope = services.scope();
    let result = services.runtime.run_job(&component, scope, &job).await;
    let backend: &dyn JobQueue = queues.backend().as_ref();
    let max_attempts = component
        .job_options
        .and_then(|options| options.max_attempts)
        .unwrap_or(services.settings.jobs.max_attempts)
        .max(1);
    let settled = match result {
        Ok(()) => {
            services.metrics.job_ran(&job.queue, "ok");
            tracing::debug!(job = %job.id, attempt = job.attempt, "job done");
            backend.complete(&job.id).await
        }
        Err(err) if job.attempt >= max_attempts => {
            services.metrics.job_ran(&job.queue, "dead");
            tracing::error!(job = %job.id, attempt = job.attempt, error = %err,
                "job failed its last attempt; it moves to the dead letters");
            backend.bury(&job.id, &err.to_string(), now_ms()).await
        }
        Err(err) => {
            services.metrics.job_ran(&job.queue, "retry");
            let delay = services.settings.jobs.backoff(job.attempt);
            tracing::warn!(job = %job.id, attempt = job.attempt, error = %err,
                retry_in_ms = delay.as_millis() as u64, "job failed; it will be retried");
            let at = now_ms() + delay.as_millis() as u64;
            backend.retry(&job.id, at, &err.to_string()).await
        }
    };
    if let Err(err) = settled {
        // The lease runs out and the job runs again: at least once.
        tracing::error!(job = %job.id, %err, "cannot record the job's outcome; it will run again");
    }
}
