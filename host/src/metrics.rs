//! The node's metrics: counters, gauges and histograms that every layer
//! records into, served in Prometheus's text format by the admin
//! listener's `/metrics`.
//!
//! Label values come only from small fixed sets (kinds, sources, outcomes,
//! close codes) or from the app's own files (a component, a queue, a
//! schedule), never from users, connections or messages, so the number of
//! series stays bounded whatever clients do.
//!
//! Recording is an atomic add on a handle resolved ahead of time; with
//! metrics off (`metrics.enabled = false`) it is skipped.
//!
//! Depends on nothing else in the crate.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

type Label = [(&'static str, &'static str); 1];
type Pair = [(&'static str, &'static str); 2];
type Named = [(&'static str, String); 2];

/// How a component call ended, as a label.
pub const OUTCOMES: [&str; 6] = ["ok", "error", "trap", "fuel", "timeout", "memory"];

/// What started a call, as a duration histogram's label.
pub const CALL_KINDS: [&str; 5] = ["handler", "middleware", "http", "job", "schedule"];

/// Who sent a message: a handler, a hook (presence or authenticate), an
/// `api/` handler, a job, a schedule, the send or admin API, or the host
/// itself (error replies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Handler,
    Hook,
    Http,
    Job,
    Schedule,
    Api,
    Host,
}

impl Source {
    const ALL: [Source; 7] = [
        Source::Handler,
        Source::Hook,
        Source::Http,
        Source::Job,
        Source::Schedule,
        Source::Api,
        Source::Host,
    ];

    fn label(self) -> &'static str {
        match self {
            Source::Handler => "handler",
            Source::Hook => "hook",
            Source::Http => "http",
            Source::Job => "job",
            Source::Schedule => "schedule",
            Source::Api => "api",
            Source::Host => "host",
        }
    }
}

/// Why a client's frame was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    TooBig,
    BadUtf8,
    BadJson,
    RateLimited,
}

/// Close codes given their own label value; the rest count as `other`, so
/// that a client choosing codes cannot add series.
const CLOSE_CODES: [(u16, &str); 12] = [
    (1000, "1000"),
    (1001, "1001"),
    (1002, "1002"),
    (1005, "1005"),
    (1006, "1006"),
    (1007, "1007"),
    (1008, "1008"),
    (1009, "1009"),
    (1011, "1011"),
    (1012, "1012"),
    (4000, "4000"),
    (4001, "4001"),
];

/// Every metric of one node. Owned by the server's services (and the
/// runtime, which records calls); shared by `Arc`.
pub struct Metrics {
    on: bool,
    registry: Registry,
    /// Open WebSocket connections on this node.
    pub connections: Gauge,
    /// Users with at least one connection.
    pub users_online: Gauge,
    opened: Counter,
    closed: Family<Label, Counter>,
    received: Family<Label, Counter>,
    /// `received`'s text and binary series, resolved once.
    received_by_kind: [Counter; 2],
    sent: Family<Pair, Counter>,
    /// `sent`'s series: text then binary, for each [`Source`].
    sent_by_kind: [[Counter; 7]; 2],
    refused: Family<Label, Counter>,
    calls: Family<Named, Counter>,
    durations: Family<Label, Histogram, fn() -> Histogram>,
    durations_by_kind: [Histogram; 5],
    totals: Running,
    slow_consumers: Counter,
    swaps: Counter,
    load_failures: Counter,
    cache_hits: Counter,
    cache_misses: Counter,
    /// The store's keys and bytes, set before each scrape.
    pub store_keys: Gauge,
    pub store_bytes: Gauge,
    /// Instances idle in warm pools, and their linear memory, set before
    /// each scrape.
    pub warm_instances: Gauge,
    pub warm_memory: Gauge,
    queue_jobs: Family<Named, Gauge>,
    job_runs: Family<Named, Counter>,
    schedule_runs: Family<Named, Counter>,
    cluster_send_failures: Counter,
}

/// A component's call counters, one per outcome, resolved when it loads.
#[derive(Clone, Default)]
pub struct CallCounters {
    by_outcome: Option<[Counter; 6]>,
}

impl CallCounters {
    fn count(&self, outcome: usize) {
        if let Some(counters) = &self.by_outcome {
            counters[outcome].inc();
        }
    }
}

fn call_seconds() -> Histogram {
    // 50 µs to 10 s: a fresh Rust call to a timed-out one.
    Histogram::new([
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
        1.0, 2.5, 10.0,
    ])
}

impl Metrics {
    /// Every metric, registered, recording when `on`.
    pub fn new(on: bool) -> Metrics {
        let received: Family<Label, Counter> = Family::default();
        let sent: Family<Pair, Counter> = Family::default();
        let durations: Family<Label, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(call_seconds);
        let kinds = [false, true];
        let mut metrics = Metrics {
            received_by_kind: kinds
                .map(|binary| received.get_or_create_owned(&[("kind", kind(binary))])),
            sent_by_kind: kinds.map(|binary| {
                Source::ALL.map(|source| {
                    sent.get_or_create_owned(&[("kind", kind(binary)), ("source", source.label())])
                })
            }),
            durations_by_kind: CALL_KINDS
                .map(|kind| durations.get_or_create_owned(&[("kind", kind)])),
            totals: Running::default(),
            on,
            registry: Registry::with_prefix("switchboard"),
            connections: Gauge::default(),
            users_online: Gauge::default(),
            opened: Counter::default(),
            closed: Family::default(),
            received,
            sent,
            refused: Family::default(),
            calls: Family::default(),
            durations,
            slow_consumers: Counter::default(),
            swaps: Counter::default(),
            load_failures: Counter::default(),
            cache_hits: Counter::default(),
            cache_misses: Counter::default(),
            store_keys: Gauge::default(),
            store_bytes: Gauge::default(),
            warm_instances: Gauge::default(),
            warm_memory: Gauge::default(),
            queue_jobs: Family::default(),
            job_runs: Family::default(),
            schedule_runs: Family::default(),
            cluster_send_failures: Counter::default(),
        };
        metrics.register();
        metrics
    }

    /// Metrics that record nothing: tools, and the benchmark's baseline.
    pub fn off() -> Metrics {
        Metrics::new(false)
    }

    pub fn is_on(&self) -> bool {
        self.on
    }

    fn register(&mut self) {
        let r = &mut self.registry;
        r.register(
            "connections",
            "Open WebSocket connections",
            self.connections.clone(),
        );
        r.register(
            "users_online",
            "Users with at least one open connection",
            self.users_online.clone(),
        );
        r.register(
            "connections_opened",
            "WebSocket connections opened",
            self.opened.clone(),
        );
        r.register(
            "connections_closed",
            "WebSocket connections closed, by close code (codes outside a fixed set count as other)",
            self.closed.clone(),
        );
        r.register(
            "messages_received",
            "Messages received from clients, by kind (text or binary)",
            self.received.clone(),
        );
        r.register(
            "messages_sent",
            "Messages queued to connections, by kind and by source (handler, hook, http, job, schedule, api, host)",
            self.sent.clone(),
        );
        r.register(
            "frames_refused",
            "Client frames refused, by reason (too_big, bad_utf8, bad_json, rate_limited)",
            self.refused.clone(),
        );
        r.register(
            "component_calls",
            "Component calls, by component file and outcome (ok, error, trap, fuel, timeout, memory)",
            self.calls.clone(),
        );
        r.register_with_unit(
            "component_call_duration",
            "Duration of component calls, by kind (handler, middleware, http, job, schedule)",
            Unit::Seconds,
            self.durations.clone(),
        );
        r.register(
            "slow_consumer_disconnects",
            "Connections closed because their outbound queue was full",
            self.slow_consumers.clone(),
        );
        r.register(
            "component_swaps",
            "Hot swaps of changed components",
            self.swaps.clone(),
        );
        r.register(
            "component_load_failures",
            "Component files that failed to load",
            self.load_failures.clone(),
        );
        r.register(
            "compile_cache_hits",
            "Components loaded from the compile cache",
            self.cache_hits.clone(),
        );
        r.register(
            "compile_cache_misses",
            "Components compiled because the cache had no entry",
            self.cache_misses.clone(),
        );
        r.register("store_keys", "Keys in the store", self.store_keys.clone());
        r.register_with_unit(
            "store",
            "Bytes of keys, values and set members in the store",
            Unit::Bytes,
            self.store_bytes.clone(),
        );
        r.register(
            "warm_instances",
            "Instances kept idle in warm components' pools",
            self.warm_instances.clone(),
        );
        r.register_with_unit(
            "warm_memory",
            "Linear memory held by idle warm instances",
            Unit::Bytes,
            self.warm_memory.clone(),
        );
        r.register(
            "queue_jobs",
            "Jobs in each queue, by state (ready, delayed, running, dead)",
            self.queue_jobs.clone(),
        );
        r.register(
            "job_runs",
            "Job runs, by queue and outcome (ok, retry, dead)",
            self.job_runs.clone(),
        );
        r.register(
            "schedule_runs",
            "Schedule ticks run, by schedule and outcome (ok, error)",
            self.schedule_runs.clone(),
        );
        r.register(
            "cluster_send_failures",
            "Cross-node sends that failed because Redis could not be reached",
            self.cluster_send_failures.clone(),
        );
    }

    /// The metrics in the OpenMetrics text format, which Prometheus asks
    /// for first.
    pub fn render_openmetrics(&self) -> String {
        let mut text = String::with_capacity(8 << 10);
        encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }

    /// The metrics in Prometheus's own text format (version 0.0.4), for
    /// scrapers that do not ask for OpenMetrics, and for `promtool`.
    pub fn render(&self) -> String {
        to_text_format(&self.render_openmetrics())
    }

    pub fn connection_opened(&self) {
        if self.on {
            self.opened.inc();
            self.connections.inc();
        }
    }

    pub fn connection_closed(&self, code: u16) {
        if self.on {
            let label = CLOSE_CODES
                .iter()
                .find(|(known, _)| *known == code)
                .map_or("other", |(_, label)| label);
            self.closed.get_or_create(&[("code", label)]).inc();
            self.connections.dec();
        }
    }

    pub fn received(&self, binary: bool) {
        if self.on {
            self.received_by_kind[usize::from(binary)].inc();
            self.totals.received.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts `count` messages queued to connections.
    pub fn sent(&self, source: Source, binary: bool, count: usize) {
        if self.on && count > 0 {
            self.sent_by_kind[usize::from(binary)][source as usize].inc_by(count as u64);
            self.totals.sent.fetch_add(count as u64, Ordering::Relaxed);
        }
    }

    pub fn refused(&self, reason: Refusal) {
        if self.on {
            let label = match reason {
                Refusal::TooBig => "too_big",
                Refusal::BadUtf8 => "bad_utf8",
                Refusal::BadJson => "bad_json",
                Refusal::RateLimited => "rate_limited",
            };
            self.refused.get_or_create(&[("reason", label)]).inc();
        }
    }

    /// The counters of one component's calls.
    pub fn call_counters(&self, component: &str) -> CallCounters {
        if !self.on {
            return CallCounters::default();
        }
        let by_outcome = OUTCOMES.map(|outcome| {
            let labels = [
                ("component", component.to_owned()),
                ("outcome", outcome.to_owned()),
            ];
            self.calls.get_or_create_owned(&labels)
        });
        CallCounters {
            by_outcome: Some(by_outcome),
        }
    }

    /// Records a call of `kind` (an index of [`CALL_KINDS`]) that took
    /// `took` and ended with `outcome` (an index of [`OUTCOMES`]).
    /// Calls with counters of none (a component's load-time calls) are not
    /// recorded.
    pub fn call(&self, counters: &CallCounters, kind: usize, outcome: usize, took: Duration) {
        if self.on && counters.by_outcome.is_some() {
            counters.count(outcome);
            self.durations_by_kind[kind].observe(took.as_secs_f64());
            self.totals.calls[outcome].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn slow_consumer(&self) {
        if self.on {
            self.slow_consumers.inc();
        }
    }

    pub fn swapped(&self, components: usize) {
        if self.on {
            self.swaps.inc_by(components as u64);
        }
    }

    pub fn load_failed(&self) {
        if self.on {
            self.load_failures.inc();
        }
    }

    pub fn compiled(&self, from_cache: bool) {
        if self.on {
            match from_cache {
                true => self.cache_hits.inc(),
                false => self.cache_misses.inc(),
            };
        }
    }

    /// Sets a queue's job count in one state.
    pub fn queue_depth(&self, queue: &str, state: &'static str, jobs: u64) {
        let labels = [("queue", queue.to_owned()), ("state", state.to_owned())];
        self.queue_jobs
            .get_or_create(&labels)
            .set(i64::try_from(jobs).unwrap_or(i64::MAX));
    }

    /// Counts a job run that ended `ok`, in a `retry` or `dead`.
    pub fn job_ran(&self, queue: &str, outcome: &'static str) {
        if self.on {
            let labels = [("queue", queue.to_owned()), ("outcome", outcome.to_owned())];
            self.job_runs.get_or_create(&labels).inc();
        }
    }

    /// Counts a schedule tick that ended `ok` or in an `error`.
    pub fn schedule_ran(&self, schedule: &str, outcome: &'static str) {
        if self.on {
            let labels = [
                ("schedule", schedule.to_owned()),
                ("outcome", outcome.to_owned()),
            ];
            self.schedule_runs.get_or_create(&labels).inc();
        }
    }

    pub fn cluster_send_failed(&self) {
        if self.on {
            self.cluster_send_failures.inc();
        }
    }

    /// The totals the admin page charts.
    pub fn totals(&self) -> Totals {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Totals {
            received: get(&self.totals.received),
            sent: get(&self.totals.sent),
            calls: self.totals.calls.each_ref().map(get),
        }
    }
}

/// OpenMetrics text as Prometheus's 0.0.4 format: a counter's HELP and
/// TYPE name its `_total` series, and there are no UNIT or EOF lines.
fn to_text_format(openmetrics: &str) -> String {
    let mut counters = std::collections::HashSet::new();
    for line in openmetrics.lines() {
        if let Some(name) = line
            .strip_prefix("# TYPE ")
            .and_then(|rest| rest.strip_suffix(" counter"))
        {
            counters.insert(name);
        }
    }
    let mut text = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line.starts_with("# UNIT ") || line == "# EOF" {
            continue;
        }
        let named = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ')?;
            counters
                .contains(name)
                .then(|| format!("{prefix}{name}_total {tail}"))
        });
        text.push_str(named.as_deref().unwrap_or(line));
        text.push('\n');
    }
    text
}

fn kind(binary: bool) -> &'static str {
    match binary {
        true => "binary",
        false => "text",
    }
}

/// Running totals since the node started: messages received and sent,
/// and calls by outcome (in the order of [`OUTCOMES`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub received: u64,
    pub sent: u64,
    pub calls: [u64; 6],
}

/// The totals, kept beside the labelled series (which cannot be summed
/// without walking them).
#[derive(Default)]
struct Running {
    received: AtomicU64,
    sent: AtomicU64,
    calls: [AtomicU64; 6],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_names_counters_by_their_total() {
        let metrics = Metrics::new(true);
        metrics.connection_opened();
        let text = metrics.render();
        assert!(text.contains("# TYPE switchboard_connections_opened_total counter\n"));
        assert!(text.contains("# HELP switchboard_connections_opened_total "));
        assert!(text.contains("\nswitchboard_connections_opened_total 1\n"));
        assert!(text.contains("# TYPE switchboard_connections gauge\n"));
        assert!(!text.contains("# EOF") && !text.contains("# UNIT"));
        assert!(metrics.render_openmetrics().ends_with("# EOF\n"));
    }

    #[test]
    fn close_codes_outside_the_known_set_share_one_series() {
        let metrics = Metrics::new(true);
        for code in [4321, 4322, 3999, 1000] {
            metrics.connection_opened();
            metrics.connection_closed(code);
        }
        let text = metrics.render();
        assert!(
            text.contains(r#"switchboard_connections_closed_total{code="other"} 3"#),
            "{text}"
        );
        assert!(
            text.contains(r#"switchboard_connections_closed_total{code="1000"} 1"#),
            "{text}"
        );
    }
}
