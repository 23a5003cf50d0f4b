//! One schedule's clock: sleeps until each tick of its cron expression
//! and runs the component once for it.
//!
//! - A tick is run by the node that records it first in the queue
//!   backend, so it runs once however many nodes share the backend.
//! - A run never overlaps the previous one: a tick that finds it still
//!   going is skipped, with a log line.
//! - After downtime, the latest missed tick runs once at start, marked
//!   `catch-up`; the ticks before it are not made up for.

use crate::backend::jobs::{Queues, now_ms};
use crate::context::Services;
use crate::runtime::{ScheduleOptions, Tick};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::task::JoinHandle;
use tracing::Instrument;

/// Whether a run of the schedule is going. It outlives the clock, so that
/// a clock restarted by a hot swap does not start a run beside one of the
/// old version.
pub(super) type Busy = Arc<AtomicBool>;

pub(super) fn spawn(
    services: Arc<Services>,
    queues: Queues,
    name: String,
    busy: Busy,
) -> JoinHandle<()> {
    let span = tracing::info_span!("schedule", schedule = %name);
    tokio::spawn(run(services, queues, name, busy).instrument(span))
}

async fn run(services: Arc<Services>, queues: Queues, name: String, busy: Busy) {
    let Some(component) = services.app.load().schedules.get(&name).cloned() else {
        return;
    };
    let Some(options) = component.schedule_options.clone() else {
        return;
    };
    tracing::info!(cron = %options.expression, timezone = %options.timezone, "schedule started");
    let backend = queues.backend().clone();
    if let Some(tick) = missed_tick(&options, &backend, &name).await {
        let at = tick.scheduled_at;
        if !busy.load(Ordering::Acquire) && claim(&backend, &name, at).await {
            tracing::info!(tick = at, "running once for the ticks missed while stopped");
            start(&services, &component, tick, &busy);
        }
    }
    let mut last = 0;
    loop {
        // Never before the tick just handled, even if the wall clock lags
        // the timer that woke us.
        let after = DateTime::from_timestamp_millis(now_ms().max(last) as i64).unwrap_or_default();
        let Some(next) = next_tick(&options, after) else {
            tracing::warn!("the expression has no further ticks");
            return;
        };
        last = next;
        let wait = Duration::from_millis(next.saturating_sub(now_ms()));
        tokio::time::sleep(wait).await;
        if busy.load(Ordering::Acquire) {
            tracing::warn!(
                tick = next,
                "the previous run is still going; this tick is skipped"
            );
            continue;
        }
        if claim(&backend, &name, next).await {
            let tick = Tick {
                scheduled_at: next,
                catch_up: false,
            };
            start(&services, &component, tick, &busy);
        }
    }
}

/// Records the tick as this node's to run; false if another node did, or
/// the backend failed (then the tick is skipped, with a log line).
async fn claim(backend: &Arc<dyn crate::backend::jobs::JobQueue>, name: &str, tick: u64) -> bool {
    match backend.claim_tick(name, tick).await {
        Ok(claimed) => claimed,
        Err(err) => {
            tracing::error!(tick, %err, "cannot record the tick; it is skipped");
            false
        }
    }
}

/// Starts a run, marking the schedule busy until it ends.
fn start(
    services: &Arc<Services>,
    component: &Arc<crate::runtime::Component>,
    tick: Tick,
    busy: &Busy,
) {
    let (services, component, busy) = (services.clone(), component.clone(), busy.clone());
    busy.store(true, Ordering::Release);
    let run = async move {
        // Cleared however the run ends, even if its task is dropped.
        let _idle = Idle(busy);
        let scope = services.scope();
        let metrics = &services.metrics;
        match services.runtime.run_schedule(&component, scope, tick).await {
            Ok(()) => {
                metrics.schedule_ran(&component.name, "ok");
                tracing::debug!(tick = tick.scheduled_at, "schedule ran")
            }
            Err(err) => {
                metrics.schedule_ran(&component.name, "error");
                tracing::error!(tick = tick.scheduled_at, error = %err, "schedule run failed")
            }
        }
    };
    tokio::spawn(run.in_current_span());
}

/// Marks the schedule idle when dropped.
struct Idle(Busy);

impl Drop for Idle {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// The first tick after `after`, in Unix milliseconds. Ticks fall on
/// whole seconds.
fn next_tick(options: &ScheduleOptions, after: DateTime<Utc>) -> Option<u64> {
    let local = whole_second(after).with_timezone(&options.timezone);
    let next = options.cron.find_next_occurrence(&local, false).ok()?;
    u64::try_from(next.timestamp_millis()).ok()
}

/// The latest tick since the last recorded run, if one was missed. A
/// schedule that never ran has missed nothing.
async fn missed_tick(
    options: &ScheduleOptions,
    backend: &Arc<dyn crate::backend::jobs::JobQueue>,
    name: &str,
) -> Option<Tick> {
    let last = match backend.last_tick(name).await {
        Ok(last) => last?,
        Err(err) => {
            tracing::warn!(%err, "cannot read the last tick; not catching up");
            return None;
        }
    };
    let now = whole_second(Utc::now()).with_timezone(&options.timezone);
    let latest = options.cron.find_previous_occurrence(&now, true).ok()?;
    let latest = u64::try_from(latest.timestamp_millis()).ok()?;
    (latest > last).then_some(Tick {
        scheduled_at: latest,
        catch_up: true,
    })
}

/// `at` without its fraction of a second: the search for the next match
/// keeps it otherwise.
fn whole_second(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use croner::parser::{CronParser, Seconds};

    fn options(expression: &str, zone: &str) -> ScheduleOptions {
        let parser = CronParser::builder().seconds(Seconds::Optional).build();
        ScheduleOptions {
            expression: expression.into(),
            cron: parser.parse(expression).unwrap(),
            timezone: zone.parse().unwrap(),
            timeout: None,
        }
    }

    #[test]
    fn ticks_follow_the_expression_in_its_zone() {
        let at = DateTime::parse_from_rfc3339("2026-06-01T10:00:30.250Z")
            .unwrap()
            .with_timezone(&Utc);
        let every_second = options("* * * * * *", "UTC");
        assert_eq!(
            next_tick(&every_second, at),
            Some(at.timestamp() as u64 * 1000 + 1000)
        );
        // 12:00 in Paris (UTC+2 in June) is 10:00 UTC, already past.
        let noon_paris = options("0 12 * * *", "Europe/Paris");
        let next = next_tick(&noon_paris, at).unwrap();
        let expected = DateTime::parse_from_rfc3339("2026-06-02T10:00:00Z").unwrap();
        assert_eq!(next, expected.timestamp_millis() as u64);
    }
}
