//! The order of a run: build, place processes on cores, run every
//! scenario against every server, and write the results.

use crate::cluster::{self, ClusterPlan};
use crate::echo::{self, EchoPlan};
use crate::fanout::{self, FanoutPlan, Pacing};
use crate::http::{self, HttpPlan};
use crate::report::{
    ClusterRow, EchoRow, FanoutRow, HttpRow, IdleRow, Machine, OnOffRow, Report, RunawayRow,
};
use crate::servers::{
    DEFAULT_LOG, Kind, Programs, Redis, Running, SERVER_LOG, WASMTIME_LIMIT_FLAGS,
};
use crate::{idle, output, procstat, setup};
use std::path::PathBuf;
use std::time::Duration;

pub struct Options {
    pub smoke: bool,
    pub seconds: u64,
    pub out: Option<PathBuf>,
    pub switchboard: Option<PathBuf>,
    pub wasmtime: Option<PathBuf>,
    pub serve_args: Vec<String>,
    pub only: Vec<String>,
    pub skip: Vec<String>,
    pub command: String,
}

/// How big each scenario is.
struct Sizes {
    /// (connections, bytes)
    echo: Vec<(usize, usize)>,
    /// (connections, recipients, fan-outs per second)
    fanout: Vec<(usize, usize, u32)>,
    idle: Vec<usize>,
    /// (connections, one message in n is a runaway)
    runaway: (usize, u64),
    /// keep-alive connections, windows per server, window length
    http: (usize, usize, Duration),
    /// connections, windows per server, window length (also the cost of
    /// cluster mode)
    metrics: (usize, usize, Duration),
    /// (connections, recipients, fan-outs per second) over [`CLUSTER_NODES`]
    cluster: (usize, usize, u32),
    warmup: Duration,
    measure: Duration,
}

/// `switchboard serve` flags for the runaway scenario: five million
/// instructions of fuel, ample for a handler that does real work yet
/// enough to stop a loop in one to two milliseconds here (the default, 500
/// million, would hold a core for about 0.1 s per runaway message), and a
/// one-second wall-clock limit behind it.
const RUNAWAY_FLAGS: [&str; 4] = ["--fuel", "5000000", "--timeout", "1"];

impl Sizes {
    fn new(smoke: bool, seconds: u64) -> Sizes {
        if smoke {
            return Sizes {
                echo: vec![(4, 20), (2, 16 << 10), (4, 16 << 10)],
                fanout: vec![(20, 10, 20), (50, 10, 20)],
                idle: vec![50, 100],
                runaway: (4, 10),
                http: (4, 2, Duration::from_millis(500)),
                metrics: (4, 2, Duration::from_millis(500)),
                cluster: (60, 10, 20),
                warmup: Duration::from_millis(300),
                measure: Duration::from_secs(1),
            };
        }
        Sizes {
            echo: vec![(100, 20), (10, 16 << 10), (200, 16 << 10)],
            fanout: vec![(1_000, 100, 100), (10_000, 100, 100)],
            idle: vec![10_000, 50_000],
            runaway: (100, 100),
            http: (32, 7, Duration::from_secs(seconds.div_ceil(2).max(1))),
            metrics: (100, 9, Duration::from_secs(seconds.div_ceil(2).max(1))),
            cluster: (3_000, 100, 100),
            warmup: Duration::from_secs(seconds.div_ceil(2).min(3)),
            measure: Duration::from_secs(seconds),
        }
    }
}

/// Server processes in the cross-node fan-out.
pub const CLUSTER_NODES: usize = 3;

/// One side of an on/off comparison: `serve` flags and `RUST_LOG`.
#[derive(Clone, Copy)]
struct Variant<'a> {
    flags: &'a [&'a str],
    log: &'a str,
}

impl<'a> Variant<'a> {
    /// These flags, with the access log off as in every other scenario.
    fn flags(flags: &'a [&'a str]) -> Self {
        Variant {
            flags,
            log: SERVER_LOG,
        }
    }
}

/// What a feature costs: echo 20 B on two Switchboard servers started
/// side by side, one with `on` flags and one with `off` flags, taking
/// turns window by window so that both see the same noise.
async fn on_off(
    programs: &Programs,
    sizes: &Sizes,
    feature: &str,
    on: Variant<'_>,
    off: Variant<'_>,
) -> anyhow::Result<OnOffRow> {
    let (connections, windows, window) = sizes.metrics;
    let scenario = echo_name(connections, 20);
    eprintln!("-- {feature} cost: {scenario}, on and off, {windows} windows each");
    let on = programs.start_logging(Kind::Wasm, on.flags, on.log)?;
    let off = programs.start_logging(Kind::Wasm, off.flags, off.log)?;
    let mut row = OnOffRow {
        scenario,
        window_s: window.as_secs_f64(),
        on_us: Vec::new(),
        off_us: Vec::new(),
    };
    for turn in 0..windows {
        for (running, column) in [(&on, &mut row.on_us), (&off, &mut row.off_us)] {
            let plan = EchoPlan {
                connections,
                bytes: 20,
                warmup: Duration::from_millis(500).min(sizes.warmup),
                measure: window,
                spin_every: None,
            };
            column.push(echo::run(running, plan).await?.cpu_us_per_msg);
        }
        eprintln!(
            "   window {}/{windows}: {feature} on {:.2} µs, off {:.2} µs per message",
            turn + 1,
            row.on_us[turn],
            row.off_us[turn]
        );
    }
    Ok(row)
}

/// The cross-node fan-out on each cluster kind, then the cost of cluster
/// mode, all on one Redis of the run's own.
async fn cluster_scenarios(
    programs: &Programs,
    kinds: &[Kind],
    sizes: &Sizes,
    report: &mut Report,
) -> anyhow::Result<()> {
    let mut kinds = kinds.to_vec();
    if kinds.contains(&Kind::Wasm) && !setup::serve_has_flag(&programs.switchboard, "--cluster") {
        let note = format!(
            "{} has no `serve --cluster` flag, so the Switchboard half of the cross-node \
             fan-out and the cost of cluster mode were skipped.",
            programs.switchboard.display()
        );
        eprintln!("== {note}");
        report.notes.push(note);
        kinds.retain(|k| *k != Kind::Wasm);
    }
    if kinds.is_empty() {
        return Ok(());
    }
    let redis = Redis::start(&programs.log_dir, programs.server_core)?;
    eprintln!(
        "== redis-server on port {} (pid {}), pinned like the servers",
        redis.port, redis.pid
    );
    let (connections, recipients, rate) = sizes.cluster;
    let scenario = cluster_name(connections, recipients);
    for &kind in &kinds {
        eprintln!("-- {scenario}: {CLUSTER_NODES} × {}", kind.name());
        // Nothing left over from the kind before.
        redis.cli(&["FLUSHALL"])?;
        let url = redis.url();
        let extra: Vec<&str> = match kind {
            Kind::SocketIo => vec![&url],
            _ => vec!["--cluster", &url],
        };
        let nodes = (0..CLUSTER_NODES)
            .map(|_| programs.start(kind, &extra))
            .collect::<anyhow::Result<Vec<Running>>>()?;
        let plan = ClusterPlan {
            connections,
            recipients,
            pacing: Pacing {
                rate,
                warmup: sizes.warmup,
                measure: sizes.measure,
            },
        };
        let result = cluster::run(&nodes, &redis, plan).await?;
        eprintln!(
            "      p50 {:.0} µs, p99 {:.0} µs, {}/{} delivered, {:.1} µs CPU per delivery, \
             {:.2} Redis commands per fan-out",
            result.latency.p50_us,
            result.latency.p99_us,
            result.deliveries,
            result.expected,
            result.cpu_us_per_delivery,
            result.redis_commands_per_fanout
        );
        report.cluster.push(ClusterRow {
            scenario: scenario.clone(),
            server: kind,
            nodes: CLUSTER_NODES,
            connections,
            recipients,
            rate,
            result,
        });
    }
    if kinds.contains(&Kind::Wasm) {
        redis.cli(&["FLUSHALL"])?;
        let url = redis.url();
        let cluster = ["--cluster", url.as_str()];
        let (on, off) = (Variant::flags(&cluster), Variant::flags(&[]));
        let row = on_off(programs, sizes, "cluster mode", on, off).await?;
        report.cluster_cost = Some(row);
    }
    Ok(())
}

pub fn echo_name(connections: usize, bytes: usize) -> String {
    match bytes {
        20 => format!("echo {connections} × 20 B"),
        n => format!("echo {connections} × {} KiB", n >> 10),
    }
}

pub fn http_name(connections: usize) -> String {
    format!("http api/hello × {connections} keep-alive")
}

pub fn cluster_name(connections: usize, recipients: usize) -> String {
    format!("fan-out to {recipients} at {connections} connections on {CLUSTER_NODES} nodes")
}

pub fn fanout_name(connections: usize, recipients: usize) -> String {
    format!("fan-out to {recipients} at {connections} connections")
}

pub fn run(options: Options) -> anyhow::Result<()> {
    let root = setup::repo_root();
    let switchboard = match &options.switchboard {
        Some(path) => path.clone(),
        None => setup::build_host(&root)?,
    };
    let app_dir = setup::build_app(&root, &switchboard)?;
    let warm_dir = setup::build_warm_app(&root, &switchboard)?;
    let js_dirs = setup::build_js_apps(&root, &switchboard)?;
    let node_dir = setup::node_baseline(&root)?;
    let mut notes = Vec::new();
    if js_dirs.is_none() {
        notes.push(
            "node or npm was not found, so the JavaScript echo servers (js, js-warm) were \
             skipped."
                .to_owned(),
        );
    }
    let http_wanted = options.only.is_empty()
        || options
            .only
            .iter()
            .any(|w| "http api/hello keep-alive".contains(w.as_str()));
    let baseline_skipped = ["wasmtime", "wasmtime-limits"]
        .iter()
        .all(|k| options.skip.iter().any(|s| s == k));
    let wasmtime = match http_wanted && !baseline_skipped {
        true => setup::wasmtime(&root, options.wasmtime.as_deref())?,
        false => None,
    };
    if http_wanted && !baseline_skipped && wasmtime.is_none() {
        let hint = setup::wasmtime_install_hint();
        anyhow::ensure!(
            options.smoke,
            "wasmtime {} not found for the HTTP baseline; install it (10-20 minutes) with \
             `{hint}`, pass --wasmtime PATH, or --skip wasmtime,wasmtime-limits",
            setup::WASMTIME_VERSION
        );
        eprintln!(
            "== wasmtime not found: the HTTP scenario runs against Switchboard alone; \
             install it (10-20 minutes) with `{hint}` or pass --wasmtime PATH"
        );
        notes.push(format!(
            "wasmtime {} was not found, so the HTTP scenario's `wasmtime serve` baseline was \
             skipped; install it with `{hint}`.",
            setup::WASMTIME_VERSION
        ));
    }
    let out = match (&options.out, options.smoke) {
        (Some(out), _) => out.clone(),
        (None, true) => std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| root.join("target"), PathBuf::from)
            .join("bench-smoke"),
        (None, false) => root.clone(),
    };
    let log_dir = std::env::temp_dir().join(format!("switchboard-bench-{}", std::process::id()));
    std::fs::create_dir_all(&out)?;
    std::fs::create_dir_all(&log_dir)?;
    let files = procstat::raise_open_files(200_000);
    let (server_core, pinning) = place_on_cores();
    eprintln!(
        "== {pinning}; open-file limit {files}; server logs in {}",
        log_dir.display()
    );
    let programs = Programs {
        switchboard,
        app_dir,
        warm_dir,
        js_dirs,
        node_dir: node_dir.clone(),
        bench: std::env::current_exe()?,
        wasmtime,
        serve_args: options.serve_args.clone(),
        log_dir,
        server_core,
    };
    let mut sizes = Sizes::new(options.smoke, options.seconds);
    // Server and load generator each hold one descriptor per connection.
    let most = (files as usize).saturating_sub(500);
    for step in &mut sizes.idle {
        if *step > most {
            eprintln!(
                "== the open-file limit is {files}: idle memory measured at {most}, not {step}"
            );
            *step = most;
        }
    }
    sizes.idle.dedup();
    if let Some(&last) = sizes.idle.last()
        && !options.smoke
        && last < 50_000
        && (options.only.is_empty() || options.only.iter().any(|w| "idle".contains(w.as_str())))
    {
        notes.push(format!(
            "The open-file limit is {files} and cannot be raised here (no privilege to \
             raise the hard limit), so idle memory was measured at {last} connections, \
             not 50,000."
        ));
    }
    let mut report = Report {
        command: match (options.command.is_empty(), cfg!(debug_assertions)) {
            (true, false) => "cargo run --release -p switchboard-bench".to_owned(),
            (true, true) => "cargo run -p switchboard-bench".to_owned(),
            (false, false) => {
                format!(
                    "cargo run --release -p switchboard-bench -- {}",
                    options.command
                )
            }
            (false, true) => format!("cargo run -p switchboard-bench -- {}", options.command),
        },
        date: setup::output_of("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default(),
        smoke: options.smoke,
        machine: machine(pinning, files),
        echo: Vec::new(),
        fanout: Vec::new(),
        idle: Vec::new(),
        runaway: None,
        http: Vec::new(),
        metrics: None,
        access_log: None,
        cluster: Vec::new(),
        cluster_cost: None,
        checks: Vec::new(),
        notes,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(scenarios(&programs, &options, &sizes, &mut report))?;
    let (c, b) = sizes.echo[0];
    let large: Vec<String> = sizes.echo[1..]
        .iter()
        .map(|&(c, b)| echo_name(c, b))
        .collect();
    let large: Vec<&str> = large.iter().map(String::as_str).collect();
    let (fc, fr, _) = sizes.fanout[sizes.fanout.len() - 1];
    report.check(&echo_name(c, b), &large, &fanout_name(fc, fr));
    output::write(&report, &out, options.out.is_none() && !options.smoke)
}

/// Pins this process to core 1 and servers to core 0 when there are two
/// cores or more.
fn place_on_cores() -> (Option<usize>, String) {
    if procstat::cores() < 2 {
        return (None, "Not pinned (one core available)".into());
    }
    match procstat::pin_to_core(1) {
        Ok(()) => (
            Some(0),
            "Server pinned to core 0, load generator to core 1 (sched_setaffinity)".into(),
        ),
        Err(err) => (None, format!("Not pinned ({err})")),
    }
}

fn machine(pinning: String, open_files: u64) -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']))
        })
        .unwrap_or("unknown")
        .to_owned();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let kib: f64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    Machine {
        cpu,
        cores: std::fs::read_to_string("/proc/cpuinfo")
            .map_or(0, |c| c.matches("processor\t:").count()),
        memory_gib: (kib / 1024.0 / 1024.0 * 10.0).round() / 10.0,
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        node: setup::output_of("node", &["--version"]),
        pinning,
        open_files,
    }
}

async fn scenarios(
    programs: &Programs,
    options: &Options,
    sizes: &Sizes,
    report: &mut Report,
) -> anyhow::Result<()> {
    let wanted = |scenario: &str| {
        options.only.is_empty() || options.only.iter().any(|w| scenario.contains(w.as_str()))
    };
    let servers = |kinds: &[Kind]| -> Vec<Kind> {
        kinds
            .iter()
            .copied()
            .filter(|k| !options.skip.iter().any(|s| s == k.name()))
            .filter(|k| programs.has(*k))
            .collect()
    };
    let all = [
        Kind::Wasm,
        Kind::WasmWarm,
        Kind::Native,
        Kind::Node,
        Kind::Plain,
    ];
    // The JavaScript servers, at the small size only, to keep the run short.
    let js = [Kind::Js, Kind::JsWarm, Kind::NodeJs];
    for &(connections, bytes) in &sizes.echo {
        let scenario = echo_name(connections, bytes);
        let kinds = match bytes {
            20 => [&all[..], &js[..]].concat(),
            _ => all.to_vec(),
        };
        if wanted(&scenario) {
            for server in servers(&kinds) {
                eprintln!("-- {scenario} on {}", server.name());
                let running = programs.start(server, &[])?;
                let plan = EchoPlan {
                    connections,
                    bytes,
                    warmup: sizes.warmup,
                    measure: sizes.measure,
                    spin_every: None,
                };
                let result = echo::run(&running, plan).await?;
                report.echo.push(EchoRow {
                    scenario: scenario.clone(),
                    server,
                    connections,
                    bytes,
                    result,
                });
            }
        }
    }
    for &(connections, recipients, rate) in &sizes.fanout {
        let scenario = fanout_name(connections, recipients);
        if wanted("fanout") || wanted(&scenario) {
            for server in servers(&[Kind::Wasm, Kind::Native, Kind::Node]) {
                eprintln!("-- {scenario} on {}", server.name());
                let running = programs.start(server, &[])?;
                let plan = FanoutPlan {
                    connections,
                    recipients,
                    rate,
                    warmup: sizes.warmup,
                    measure: sizes.measure,
                };
                let result = fanout::run(&running, plan).await?;
                report.fanout.push(FanoutRow {
                    scenario: scenario.clone(),
                    server,
                    connections,
                    recipients,
                    rate,
                    result,
                });
            }
        }
    }
    if wanted("idle") {
        for server in servers(&[Kind::Wasm, Kind::Node, Kind::Plain]) {
            eprintln!("-- idle memory on {}", server.name());
            let running = programs.start(server, &[])?;
            let points = idle::run(&running, &sizes.idle).await?;
            report.idle.push(IdleRow { server, points });
        }
    }
    if wanted("runaway") && !options.skip.iter().any(|s| s == "wasm") {
        let (connections, spin_every) = sizes.runaway;
        eprintln!(
            "-- runaway neighbours on wasm ({})",
            RUNAWAY_FLAGS.join(" ")
        );
        let running = programs.start(Kind::Wasm, &RUNAWAY_FLAGS)?;
        let bytes = 20;
        let plan = EchoPlan {
            connections,
            bytes,
            warmup: sizes.warmup,
            measure: sizes.measure,
            spin_every: Some(spin_every),
        };
        let result = echo::run(&running, plan).await?;
        let baseline = report.echo(&echo_name(connections, bytes), Kind::Wasm);
        report.runaway = Some(RunawayRow {
            flags: RUNAWAY_FLAGS.iter().map(|s| s.to_string()).collect(),
            spin_every,
            baseline_p99_us: baseline.map_or(f64::NAN, |b| b.latency.p99_us),
            result,
        });
    }
    if wanted("metrics") && !options.skip.iter().any(|s| s == "wasm") {
        let (on, off) = (Variant::flags(&[]), Variant::flags(&["--no-metrics"]));
        report.metrics = Some(on_off(programs, sizes, "metrics", on, off).await?);
    }
    if wanted("access-log") && !options.skip.iter().any(|s| s == "wasm") {
        // Switchboard as it ships (`RUST_LOG=info`), against the same
        // with the access log filtered out.
        let on = Variant {
            flags: &[],
            log: DEFAULT_LOG,
        };
        let off = Variant::flags(&[]);
        report.access_log = Some(on_off(programs, sizes, "access log", on, off).await?);
    }
    if wanted("cluster") {
        let kinds = servers(&[Kind::Wasm, Kind::SocketIo]);
        cluster_scenarios(programs, &kinds, sizes, report).await?;
    }
    let (connections, windows, window) = sizes.http;
    let scenario = http_name(connections);
    if wanted(&scenario) {
        let kinds = servers(&[Kind::Wasm, Kind::Wasmtime, Kind::WasmtimeLimits]);
        let mut running = Vec::new();
        for &kind in &kinds {
            eprintln!("-- {scenario}: starting {}", kind.name());
            running.push(programs.start(kind, &[])?);
        }
        if !running.is_empty() {
            eprintln!(
                "-- {scenario} on {}, in turns",
                kinds
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let plan = HttpPlan {
                connections,
                windows,
                window,
                warmup: sizes.warmup,
            };
            let results = http::run(&running.iter().collect::<Vec<_>>(), plan).await?;
            for (server, result) in kinds.into_iter().zip(results) {
                let flags = match server {
                    Kind::WasmtimeLimits => {
                        WASMTIME_LIMIT_FLAGS.iter().map(|s| s.to_string()).collect()
                    }
                    Kind::Wasm => programs.serve_args.clone(),
                    _ => Vec::new(),
                };
                report.http.push(HttpRow {
                    scenario: scenario.clone(),
                    server,
                    connections,
                    window_s: window.as_secs_f64(),
                    flags,
                    result,
                });
            }
        }
    }
    Ok(())
}
