//! Everything a run measured, and its ratios against the targets.

use crate::cluster::ClusterResult;
use crate::echo::EchoResult;
use crate::fanout::FanoutResult;
use crate::http::HttpResult;
use crate::idle::IdlePoint;
use crate::servers::Kind;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Percentiles in microseconds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Latency {
    pub samples: u64,
    pub p50_us: f64,
    pub p90_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    pub max_us: f64,
}

impl Latency {
    pub fn of(histogram: &Histogram<u64>) -> Latency {
        let at = |q: f64| histogram.value_at_quantile(q) as f64;
        Latency {
            samples: histogram.len(),
            p50_us: at(0.5),
            p90_us: at(0.9),
            p99_us: at(0.99),
            p999_us: at(0.999),
            max_us: histogram.max() as f64,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EchoRow {
    pub scenario: String,
    pub server: Kind,
    pub connections: usize,
    pub bytes: usize,
    pub result: EchoResult,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FanoutRow {
    pub scenario: String,
    pub server: Kind,
    pub connections: usize,
    pub recipients: usize,
    pub rate: u32,
    pub result: FanoutResult,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdleRow {
    pub server: Kind,
    pub points: Vec<IdlePoint>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunawayRow {
    /// `switchboard serve` flags that bound the runaway handler.
    pub flags: Vec<String>,
    pub spin_every: u64,
    pub result: EchoResult,
    /// The same connections' p99 in scenario 1 (Wasm, no runaways).
    pub baseline_p99_us: f64,
}

/// Echo on two Switchboard servers taking turns window by window, one
/// with a feature on and one with it off: counting metrics (the default,
/// against `--no-metrics`), or cluster mode (`--cluster`, against none).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OnOffRow {
    pub scenario: String,
    pub window_s: f64,
    /// Server CPU per message in each window, µs.
    pub on_us: Vec<f64>,
    pub off_us: Vec<f64>,
}

impl OnOffRow {
    pub fn on_median(&self) -> f64 {
        median(&self.on_us)
    }

    pub fn off_median(&self) -> f64 {
        median(&self.off_us)
    }

    /// On / off, on medians.
    pub fn ratio(&self) -> f64 {
        self.on_median() / self.off_median()
    }

    /// The feature's share of the server CPU per message with it on.
    pub fn share(&self) -> f64 {
        1.0 - self.off_median() / self.on_median()
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HttpRow {
    pub scenario: String,
    pub server: Kind,
    pub connections: usize,
    /// Length of each measured window, in seconds.
    pub window_s: f64,
    /// Flags added to the server's defaults.
    pub flags: Vec<String>,
    pub result: HttpResult,
}

/// Cross-node fan-out on several processes of one kind sharing a Redis.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterRow {
    pub scenario: String,
    pub server: Kind,
    pub nodes: usize,
    pub connections: usize,
    pub recipients: usize,
    pub rate: u32,
    pub result: ClusterResult,
}

/// A ratio of server CPU per message between two servers in one echo
/// scenario, and the most it may be (`None`: reported only).
type EchoTarget = (Kind, Kind, Option<f64>);

/// Echo 20 B (100 connections in a full run).
const SMALL_ECHO_TARGETS: &[EchoTarget] = &[
    (Kind::Wasm, Kind::Native, Some(1.5)),
    (Kind::Wasm, Kind::Node, Some(1.2)),
    (Kind::Native, Kind::Plain, Some(1.1)),
    (Kind::Node, Kind::Plain, None),
    (Kind::WasmWarm, Kind::Node, Some(0.9)),
    (Kind::WasmWarm, Kind::Wasm, None),
    (Kind::Js, Kind::NodeJs, None),
    (Kind::JsWarm, Kind::NodeJs, None),
];

/// Echo 16 KiB on few connections (10 in a full run).
const FIRST_LARGE_ECHO_TARGETS: &[EchoTarget] = &[
    (Kind::Wasm, Kind::Native, Some(1.25)),
    (Kind::Wasm, Kind::Node, Some(0.5)),
    (Kind::Native, Kind::Plain, Some(1.0)),
    (Kind::Node, Kind::Plain, None),
];

/// Echo 16 KiB on many connections (200 in a full run).
const LARGE_ECHO_TARGETS: &[EchoTarget] = &[
    (Kind::Wasm, Kind::Native, Some(1.25)),
    (Kind::Wasm, Kind::Node, Some(0.35)),
    (Kind::Native, Kind::Plain, Some(1.0)),
    (Kind::Node, Kind::Plain, None),
];

/// A measured ratio or figure and its target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub value: f64,
    pub target: String,
    pub met: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub kernel: String,
    pub node: Option<String>,
    /// How server and load generator were placed on cores.
    pub pinning: String,
    /// The open-file limit in force (it caps the connection counts).
    pub open_files: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub command: String,
    pub date: String,
    pub smoke: bool,
    pub machine: Machine,
    pub echo: Vec<EchoRow>,
    pub fanout: Vec<FanoutRow>,
    pub idle: Vec<IdleRow>,
    pub runaway: Option<RunawayRow>,
    /// Older results have no HTTP scenario.
    #[serde(default)]
    pub http: Vec<HttpRow>,
    /// Older results have no metrics-cost scenario.
    #[serde(default)]
    pub metrics: Option<OnOffRow>,
    /// Echo with the default access log on and off; older results have
    /// none.
    #[serde(default)]
    pub access_log: Option<OnOffRow>,
    /// Older results have no cluster scenario.
    #[serde(default)]
    pub cluster: Vec<ClusterRow>,
    /// Echo with `--cluster` on and off.
    #[serde(default)]
    pub cluster_cost: Option<OnOffRow>,
    pub checks: Vec<Check>,
    /// What limited this run (for example the open-file limit).
    pub notes: Vec<String>,
}

impl Report {
    pub fn echo(&self, scenario: &str, server: Kind) -> Option<&EchoResult> {
        self.echo
            .iter()
            .find(|row| row.scenario == scenario && row.server == server)
            .map(|row| &row.result)
    }

    /// Derives the ratios and figures the targets are about. The echo
    /// scenarios come smallest first: [`SMALL_ECHO_TARGETS`] for
    /// `echo_small`, then [`FIRST_LARGE_ECHO_TARGETS`] for the first of
    /// `echo_large` and [`LARGE_ECHO_TARGETS`] for the rest.
    pub fn check(&mut self, echo_small: &str, echo_large: &[&str], fanout_big: &str) {
        let mut checks = Vec::new();
        let cpu = |report: &Report, scenario: &str, server| {
            report.echo(scenario, server).map(|r| r.cpu_us_per_msg)
        };
        let mut ratio = |name: String, a: Option<f64>, b: Option<f64>, max: Option<f64>| {
            if let (Some(a), Some(b)) = (a, b) {
                let value = a / b;
                checks.push(Check {
                    name,
                    value,
                    target: max.map_or("report".into(), |m| format!("≤ {m}")),
                    met: max.map(|m| value <= m),
                });
            }
        };
        for (i, scenario) in std::iter::once(echo_small)
            .chain(echo_large.iter().copied())
            .enumerate()
        {
            let targets = match i {
                0 => SMALL_ECHO_TARGETS,
                1 => FIRST_LARGE_ECHO_TARGETS,
                _ => LARGE_ECHO_TARGETS,
            };
            for &(a, b, max) in targets {
                ratio(
                    format!("{scenario}: CPU/msg {}/{}", a.name(), b.name()),
                    cpu(self, scenario, a),
                    cpu(self, scenario, b),
                    max,
                );
            }
        }
        for row in self.fanout.iter().filter(|r| r.server == Kind::Wasm) {
            let max = (row.scenario == fanout_big).then_some(5000.0);
            checks.push(Check {
                name: format!("{}: wasm p99 µs", row.scenario),
                value: row.result.latency.p99_us,
                target: max.map_or("report".into(), |m| format!("≤ {m}")),
                met: max.map(|m| row.result.latency.p99_us <= m),
            });
        }
        if let Some(wasm) = self.idle.iter().find(|r| r.server == Kind::Wasm)
            && let Some(last) = wasm.points.last()
        {
            let kib = last.bytes_per_connection / 1024.0;
            checks.push(Check {
                name: format!("idle: wasm KiB per connection at {}", last.connections),
                value: kib,
                target: "≤ 8".into(),
                met: (last.connections >= 50_000).then_some(kib <= 8.0),
            });
        }
        if let Some(runaway) = &self.runaway {
            let value = runaway.result.latency.p99_us / runaway.baseline_p99_us;
            checks.push(Check {
                name: "runaway: others' p99 / scenario 1 p99".into(),
                value,
                target: "≤ 2".into(),
                met: Some(value <= 2.0),
            });
        }
        let http = |server| {
            self.http
                .iter()
                .find(|row| row.server == server)
                .map(|row| row.result.cpu_us_per_request)
        };
        if let Some(wasm) = http(Kind::Wasm) {
            for (baseline, max) in [(Kind::Wasmtime, Some(1.2)), (Kind::WasmtimeLimits, None)] {
                if let Some(base) = http(baseline) {
                    let value = wasm / base;
                    checks.push(Check {
                        name: format!("http hello: CPU/request wasm/{}", baseline.name()),
                        value,
                        target: max.map_or("report".into(), |m| format!("≤ {m}")),
                        met: max.map(|m| value <= m),
                    });
                }
            }
        }
        if let Some(metrics) = &self.metrics {
            checks.push(Check {
                name: format!(
                    "{}: metrics on / off, server CPU per message",
                    metrics.scenario
                ),
                value: metrics.ratio(),
                target: "≤ 1.03".into(),
                met: Some(metrics.ratio() <= 1.03),
            });
        }
        if let Some(log) = &self.access_log {
            let share = log.share();
            checks.push(Check {
                name: format!(
                    "{}: access log's share of server CPU per message",
                    log.scenario
                ),
                value: share,
                target: "≤ 0.10".into(),
                met: Some(share <= 0.10),
            });
        }
        let cluster = |server| self.cluster.iter().find(|row| row.server == server);
        for row in &self.cluster {
            // A latency or CPU figure means little if messages went missing.
            let r = &row.result;
            let value = r.deliveries as f64 / r.expected.max(1) as f64;
            checks.push(Check {
                name: format!(
                    "{}: {} delivered / expected",
                    row.scenario,
                    row.server.name()
                ),
                value,
                target: "= 1".into(),
                met: Some(r.deliveries == r.expected),
            });
        }
        if let Some(wasm) = cluster(Kind::Wasm) {
            let p99 = wasm.result.latency.p99_us;
            checks.push(Check {
                name: format!("{}: wasm p99 µs", wasm.scenario),
                value: p99,
                target: "≤ 10000".into(),
                met: Some(p99 <= 10_000.0),
            });
            if let Some(socketio) = cluster(Kind::SocketIo) {
                let value = wasm.result.cpu_us_per_delivery / socketio.result.cpu_us_per_delivery;
                checks.push(Check {
                    name: format!(
                        "{}: server CPU per delivery wasm/socketio (3 nodes summed)",
                        wasm.scenario
                    ),
                    value,
                    target: "≤ 0.5".into(),
                    met: Some(value <= 0.5),
                });
            }
        }
        if let Some(cost) = &self.cluster_cost {
            checks.push(Check {
                name: format!(
                    "{}: --cluster on / off, server CPU per message",
                    cost.scenario
                ),
                value: cost.ratio(),
                target: "≤ 1.1".into(),
                met: Some(cost.ratio() <= 1.1),
            });
        }
        self.checks = checks;
    }
}
