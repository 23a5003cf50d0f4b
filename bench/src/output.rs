//! The run's results as a terminal table, BENCHMARKS.md, an SVG chart of
//! latency percentiles, and JSON.

use crate::report::{Check, OnOffRow, Report};
use crate::servers::Kind;
use std::fmt::Write as _;
use std::path::Path;

/// Prints the table and the JSON, and writes the files: at the repository
/// root and in `bench/` for a full run, else all in `out`.
pub fn write(report: &Report, out: &Path, repo_layout: bool) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(report)?;
    let (markdown_path, chart_path, json_path) = match repo_layout {
        true => (
            out.join("BENCHMARKS.md"),
            out.join("bench").join("latency.svg"),
            out.join("bench").join("results.json"),
        ),
        false => (
            out.join("BENCHMARKS.md"),
            out.join("latency.svg"),
            out.join("results.json"),
        ),
    };
    let chart_link = match repo_layout {
        true => "bench/latency.svg",
        false => "latency.svg",
    };
    std::fs::write(&chart_path, chart(report))?;
    std::fs::write(&json_path, &json)?;
    std::fs::write(&markdown_path, markdown(report, chart_link))?;
    println!("{}", tables(report));
    println!("{json}");
    eprintln!(
        "== wrote {}, {} and {}",
        markdown_path.display(),
        chart_path.display(),
        json_path.display()
    );
    Ok(())
}

fn us(value: f64) -> String {
    if value >= 10_000.0 {
        format!("{:.1} ms", value / 1000.0)
    } else {
        format!("{value:.0} µs")
    }
}

/// The scenario tables, in Markdown (which also reads well in a terminal).
fn tables(report: &Report) -> String {
    let mut s = String::new();
    if !report.echo.is_empty() {
        s += "### Echo, closed loop\n\n";
        s += "| scenario | server | msgs/s | p50 | p99 | server CPU/msg | server CPU |\n";
        s += "|---|---|---:|---:|---:|---:|---:|\n";
        for row in &report.echo {
            let r = &row.result;
            let _ = writeln!(
                s,
                "| {} | {} | {:.0} | {} | {} | {:.1} µs | {:.0}% |",
                row.scenario,
                row.server.name(),
                r.msgs_per_s,
                us(r.latency.p50_us),
                us(r.latency.p99_us),
                r.cpu_us_per_msg,
                r.server_cpu * 100.0
            );
        }
        s += "\n";
    }
    if !report.fanout.is_empty() {
        s += "### Fan-out (send to receipt, at every recipient)\n\n";
        s += "| scenario | server | fan-outs/s | delivered | p50 | p99 | server CPU/fan-out |\n";
        s += "|---|---|---:|---:|---:|---:|---:|\n";
        for row in &report.fanout {
            let r = &row.result;
            let _ = writeln!(
                s,
                "| {} | {} | {} | {}/{} | {} | {} | {:.0} µs |",
                row.scenario,
                row.server.name(),
                row.rate,
                r.deliveries,
                r.expected,
                us(r.latency.p50_us),
                us(r.latency.p99_us),
                r.cpu_us_per_fanout
            );
        }
        s += "\n";
    }
    if !report.idle.is_empty() {
        s += "### Idle memory (server VmRSS growth per connection)\n\n";
        s += "| server | connections | RSS before | RSS after | per connection |\n";
        s += "|---|---:|---:|---:|---:|\n";
        for row in &report.idle {
            for p in &row.points {
                let _ = writeln!(
                    s,
                    "| {} | {} | {:.1} MiB | {:.1} MiB | {:.2} KiB |",
                    row.server.name(),
                    p.connections,
                    p.rss_before as f64 / 1048576.0,
                    p.rss_after as f64 / 1048576.0,
                    p.bytes_per_connection / 1024.0
                );
            }
        }
        s += "\n";
    }
    if let Some(runaway) = &report.runaway {
        let r = &runaway.result;
        s += "### Runaway neighbours (wasm)\n\n";
        let _ = writeln!(
            s,
            "Server flags `{}`; one message in {} goes to a handler that loops for ever.\n",
            runaway.flags.join(" "),
            runaway.spin_every
        );
        s += "| normal msgs/s | p50 | p99 | scenario 1 p99 | runaways answered | runaway p50 | server CPU/msg |\n";
        s += "|---:|---:|---:|---:|---:|---:|---:|\n";
        let _ = writeln!(
            s,
            "| {:.0} | {} | {} | {} | {} | {} | {:.1} µs |\n",
            r.msgs_per_s,
            us(r.latency.p50_us),
            us(r.latency.p99_us),
            us(runaway.baseline_p99_us),
            r.spins,
            r.spin_latency.map_or("-".into(), |l| us(l.p50_us)),
            r.cpu_us_per_msg
        );
    }
    if let Some(metrics) = &report.metrics {
        s += "### What counting metrics costs (wasm)\n\n";
        s += &on_off(
            metrics,
            "one with the default metrics and one with `--no-metrics`",
        );
        let _ = writeln!(
            s,
            "\nOn / off: **{:.3}×** (target ≤ 1.03×).\n",
            metrics.ratio()
        );
    }
    if let Some(log) = &report.access_log {
        s += "### What the access log costs (wasm)\n\n";
        s += &on_off(
            log,
            "one as it ships (`RUST_LOG=info`: a line per message) and one with \
             `RUST_LOG=info,switchboard::messages=warn`",
        );
        let _ = writeln!(
            s,
            "\nOn / off: **{:.3}×**; the log's share of server CPU per message: **{:.1}%** \
             (target ≤ 10%).\n",
            log.ratio(),
            100.0 * log.share()
        );
    }
    if let Some(first) = report.cluster.first() {
        let _ = writeln!(s, "### Cross-node fan-out, {} nodes\n", first.nodes);
        let _ = writeln!(
            s,
            "{} connections (users u0…u{}, user ui on node i mod {n}) over {n} server processes \
             of one kind sharing one Redis; one sender on node 0 sends {} fan-outs per second, \
             each naming {} users spread over every node. Latency is send to receipt at every \
             recipient. Server CPU is the {n} processes' user + system time summed, per \
             delivered message; Redis' CPU is counted apart. Redis commands per fan-out are \
             `INFO stats` total_commands_processed over the window.\n",
            first.connections,
            first.connections.saturating_sub(1),
            first.rate,
            first.recipients,
            n = first.nodes,
        );
        s += "| server | delivered | p50 | p99 | server CPU/delivery | node CPU | Redis CPU/delivery | Redis commands/fan-out |\n";
        s += "|---|---:|---:|---:|---:|---|---:|---:|\n";
        for row in &report.cluster {
            let r = &row.result;
            let nodes: Vec<String> = r
                .node_cpu
                .iter()
                .map(|cpu| format!("{:.0}%", cpu * 100.0))
                .collect();
            let _ = writeln!(
                s,
                "| {} | {}/{} | {} | {} | {:.1} µs | {} | {:.1} µs | {:.2} |",
                row.server.name(),
                r.deliveries,
                r.expected,
                us(r.latency.p50_us),
                us(r.latency.p99_us),
                r.cpu_us_per_delivery,
                nodes.join(", "),
                r.redis_cpu_us_per_delivery,
                r.redis_commands_per_fanout
            );
        }
        s += "\n";
    }
    if let Some(cost) = &report.cluster_cost {
        s += "### What cluster mode costs (wasm)\n\n";
        s += &on_off(
            cost,
            "one with `--cluster` (the run's Redis) and one without",
        );
        let _ = writeln!(
            s,
            "\nWith / without `--cluster`: **{:.3}×** (target ≤ 1.1×).\n",
            cost.ratio()
        );
    }
    if let Some(first) = report.http.first() {
        s += "### HTTP `api/` hello world, closed loop\n\n";
        let _ = writeln!(
            s,
            "{} keep-alive HTTP/1.1 connections, each sending `GET {}` and waiting for the \
             whole 200 `hello` response; the servers take turns, {} windows of {:.1} s each; \
             medians over the windows.\n",
            first.connections,
            crate::http::PATH,
            first.result.windows.len(),
            first.window_s
        );
        s += "| server | flags | req/s | p50 | p99 | server CPU/request | server CPU |\n";
        s += "|---|---|---:|---:|---:|---:|---:|\n";
        for row in &report.http {
            let r = &row.result;
            let flags = match row.flags.is_empty() {
                true => "defaults".to_owned(),
                false => format!("`{}`", row.flags.join(" ")),
            };
            let _ = writeln!(
                s,
                "| {} | {} | {:.0} | {} | {} | {:.1} µs | {:.0}% |",
                row.server.name(),
                flags,
                r.requests_per_s,
                us(r.latency.p50_us),
                us(r.latency.p99_us),
                r.cpu_us_per_request,
                r.server_cpu * 100.0
            );
        }
        s += "\n";
    }
    if !report.checks.is_empty() {
        s += "### Ratios and targets\n\n| figure | value | target | met |\n|---|---:|---|---|\n";
        for Check {
            name,
            value,
            target,
            met,
        } in &report.checks
        {
            let met = match met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "-",
            };
            let _ = writeln!(s, "| {name} | {value:.2} | {target} | {met} |");
        }
    }
    s
}

/// Two servers taking turns with a feature on and off: the medians table.
fn on_off(row: &OnOffRow, servers: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: two servers, {servers}, take turns for {} windows of {:.1} s; medians of server \
         CPU per message.\n",
        row.scenario,
        row.on_us.len(),
        row.window_s
    );
    s += "| feature | server CPU/msg (median) | windows |\n|---|---:|---|\n";
    let list = |values: &[f64]| {
        values
            .iter()
            .map(|v| format!("{v:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        s,
        "| on | {:.2} µs | {} |",
        row.on_median(),
        list(&row.on_us)
    );
    let _ = writeln!(
        s,
        "| off | {:.2} µs | {} |",
        row.off_median(),
        list(&row.off_us)
    );
    s
}

fn markdown(report: &Report, chart: &str) -> String {
    let m = &report.machine;
    let mut s = String::from("# Benchmarks\n\n");
    if report.smoke {
        s += "**Smoke run: tiny counts, the numbers mean nothing.**\n\n";
    }
    let _ = write!(
        s,
        "Produced by `{}` on {}.\n\n\
         Machine: {}, {} cores, {} GiB, Linux {}, node {}, open-file limit {}. {}. \
         This is a shared virtual machine, so absolute numbers move between \
         runs; the ratios compare servers measured in the same run.\n\n",
        report.command,
        report.date,
        m.cpu,
        m.cores,
        m.memory_gib,
        m.kernel,
        m.node.as_deref().unwrap_or("absent"),
        m.open_files,
        m.pinning
    );
    let _ = write!(
        s,
        "Servers: **wasm** is Switchboard calling the components of `bench/app`, a fresh \
          instance per call; \
          **native** is the same binary built with `--features bench-native` and run with \
          `--bench-native-handlers`, which replaces only the component call with Rust code \
          (same routing, hub, queues and sockets); both run with \
          `RUST_LOG={}` (the built-in per-message access log off, as the other servers \
          log nothing per message); **node** is `bench/node/server.js` on the \
          `ws` package; **plain** is a bare tokio-tungstenite echo loop with default settings. \
          Server CPU/msg is the server process's user + system time over the measured \
          window (from /proc/PID/stat) divided by the messages answered; the ratios are taken \
          on it, because on two cores the load generator can be the bottleneck.\n\n",
        crate::servers::SERVER_LOG
    );
    let has = |kinds: &[Kind]| report.echo.iter().any(|row| kinds.contains(&row.server));
    if has(&[Kind::WasmWarm, Kind::Js, Kind::JsWarm, Kind::NodeJs]) {
        s += "Instances and languages: **wasm-warm** is Switchboard serving `bench/warm`, the \
              same Rust echo declared `instances = \"warm\"`, whose instances are reused from \
              call to call; **js** and **js-warm** serve `bench/js` and `bench/js-warm`, an echo \
              in JavaScript built by the JavaScript SDK (QuickJS), fresh and warm; **node-js** is \
              `bench/node/js-echo.mjs`, Node on `ws` running the same module of echo logic \
              (`bench/js/logic.mjs`) as the two JavaScript handlers. The JavaScript servers run \
              at 20 B only.\n\n";
    }
    if !report.cluster.is_empty() {
        s += "Cluster: **wasm** is `switchboard serve bench/app --cluster redis://…` (flags as \
              above), several processes on one Redis; **socketio** is `bench/node/socketio.js`, \
              Socket.IO 4 with `@socket.io/redis-adapter` on the same Redis, clients on the \
              websocket transport only. Both check the same HS256 token per connection. All \
              server processes and Redis are pinned to the server core.\n\n";
    }
    if !report.http.is_empty() {
        let _ = write!(
            s,
            "HTTP: **wasm** is Switchboard serving `bench/app`'s `api/hello.wasm` (a \
             `wasi:http/incoming-handler` written against the `wasi` crate alone) at `/api/hello`, \
             with its defaults (fuel, epoch interruption, a fresh instance per request from the \
             pooling allocator); **wasmtime** is `wasmtime serve` {v} on the same file, with its \
             defaults (pooling allocator, a fresh instance per request, no fuel, no epoch \
             interruption), installed with `{install}`; \
             **wasmtime-limits** is the same with `{limits}`, Switchboard's default fuel and \
             timeout. All are pinned to the server core and loaded by the same client.\n\n",
            v = crate::setup::WASMTIME_VERSION,
            install = crate::setup::wasmtime_install_hint(),
            limits = crate::servers::WASMTIME_LIMIT_FLAGS.join(" "),
        );
    }
    let _ = writeln!(s, "![Latency percentiles]({chart})\n");
    s += &tables(report);
    if !report.notes.is_empty() {
        s += "\n### Notes on this run\n\n";
        for note in &report.notes {
            let _ = writeln!(s, "- {note}");
        }
    }
    let findings = crate::setup::repo_root().join("bench").join("findings.md");
    if !report.smoke
        && let Ok(text) = std::fs::read_to_string(findings)
    {
        s += "\n";
        s += &text;
    }
    s
}

/// One server's p50 and p99 in a scenario.
type Bar = (Kind, f64, f64);

/// Grouped bars of p50 and p99 per scenario and server, on a log scale.
fn chart(report: &Report) -> String {
    let mut groups: Vec<(String, Vec<Bar>)> = Vec::new();
    let mut add = |scenario: &str, server: Kind, p50: f64, p99: f64| match groups
        .iter_mut()
        .find(|(name, _)| name == scenario)
    {
        Some((_, bars)) => bars.push((server, p50, p99)),
        None => groups.push((scenario.to_owned(), vec![(server, p50, p99)])),
    };
    for row in &report.echo {
        add(
            &row.scenario,
            row.server,
            row.result.latency.p50_us,
            row.result.latency.p99_us,
        );
    }
    for row in &report.fanout {
        add(
            &row.scenario,
            row.server,
            row.result.latency.p50_us,
            row.result.latency.p99_us,
        );
    }
    for row in &report.cluster {
        add(
            &row.scenario,
            row.server,
            row.result.latency.p50_us,
            row.result.latency.p99_us,
        );
    }
    if let Some(r) = &report.runaway {
        let l = r.result.latency;
        add("runaway neighbours", Kind::Wasm, l.p50_us, l.p99_us);
    }
    let (width, height, left, top, bottom) = (980.0, 420.0, 70.0, 40.0, 80.0);
    let plot_h = height - top - bottom;
    let max = groups
        .iter()
        .flat_map(|(_, bars)| bars.iter().map(|b| b.2))
        .fold(10.0_f64, f64::max);
    let decades = max.log10().ceil().max(1.0);
    let y = |v: f64| top + plot_h * (1.0 - v.max(1.0).log10() / decades);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{left}\" y=\"20\" font-size=\"14\">Latency p50 (solid) and p99 (pale), µs, log scale</text>\n"
    );
    for d in 0..=decades as i32 {
        let yy = y(10f64.powi(d));
        let _ = writeln!(
            svg,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            width - 10.0,
            left - 6.0,
            yy + 4.0,
            10u64.pow(d as u32)
        );
    }
    let group_w = (width - left - 10.0) / groups.len().max(1) as f64;
    let most_bars = groups.iter().map(|(_, bars)| bars.len()).max().unwrap_or(0);
    let bar_w = (group_w - 16.0) / most_bars.max(4) as f64;
    for (g, (name, bars)) in groups.iter().enumerate() {
        let x0 = left + g as f64 * group_w;
        for (i, (kind, p50, p99)) in bars.iter().enumerate() {
            let x = x0 + 8.0 + i as f64 * bar_w;
            let color = color(*kind);
            let base = y(1.0);
            for (value, opacity) in [(*p99, 0.35), (*p50, 1.0)] {
                let _ = writeln!(
                    svg,
                    "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\" \
                     fill-opacity=\"{opacity}\"><title>{name} {}: {value:.0} µs</title></rect>",
                    y(value),
                    bar_w - 2.0,
                    base - y(value),
                    kind.name()
                );
            }
        }
        // Long names break before " at " onto a second line.
        for (line, text) in name.replacen(" at ", "\n at ", 1).lines().enumerate() {
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x0 + group_w / 2.0,
                height - bottom + 16.0 + line as f64 * 14.0,
                text.replace('&', "&amp;")
            );
        }
    }
    // Every server with a bar, in the order they first appear.
    let mut legend: Vec<Kind> = Vec::new();
    for &(kind, _, _) in groups.iter().flat_map(|(_, bars)| bars) {
        if !legend.contains(&kind) {
            legend.push(kind);
        }
    }
    for (i, kind) in legend.iter().enumerate() {
        let x = left + i as f64 * 100.0;
        let _ = writeln!(
            svg,
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            height - 30.0,
            color(*kind),
            x + 16.0,
            height - 20.0,
            kind.name()
        );
    }
    svg += "</svg>\n";
    svg
}

fn color(kind: Kind) -> &'static str {
    match kind {
        Kind::Wasm => "#6a4c93",
        Kind::WasmWarm => "#b497d6",
        Kind::Native => "#1982c4",
        Kind::Node => "#8ac926",
        Kind::Js => "#e63946",
        Kind::JsWarm => "#f4a1a8",
        Kind::NodeJs => "#4f772d",
        Kind::SocketIo => "#2a9d8f",
        Kind::Plain => "#ff924c",
        Kind::Wasmtime => "#ffca3a",
        Kind::WasmtimeLimits => "#c9a227",
    }
}
