//! The Switchboard benchmark: starts each server as a child process
//! pinned to one core, drives it from this process on another, and
//! writes BENCHMARKS.md, a chart and JSON.
//!
//! ```sh
//! cargo run --release -p switchboard-bench            # full run, minutes
//! cargo run --release -p switchboard-bench -- --smoke # every path, seconds
//! ```

mod client;
mod cluster;
mod echo;
mod fanout;
mod http;
mod idle;
mod output;
mod plain;
mod procstat;
mod report;
mod run;
mod servers;
mod setup;
mod socketio;

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Benchmark Switchboard against native, Node ws and plain tokio-tungstenite")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Tiny counts and one-second windows: checks that every scenario
    /// runs, measures nothing. Writes under the target directory.
    #[arg(long)]
    smoke: bool,
    /// Seconds measured per scenario (after as long again of warm-up, at most 3 s).
    #[arg(long, default_value_t = 8)]
    seconds: u64,
    /// Where BENCHMARKS.md, latency.svg and results.json go
    /// [default: the repository root and bench/; with --smoke, a folder
    /// under the target directory].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Use this switchboard binary instead of building one (it must have
    /// the bench-native feature for the native server; the cluster
    /// scenario needs `serve --cluster`); for before/after comparisons.
    #[arg(long)]
    switchboard: Option<PathBuf>,
    /// Extra `switchboard serve` flags for the Switchboard servers (wasm,
    /// wasm-warm, native, js, js-warm; one argument each, repeatable), for
    /// experiments.
    #[arg(long = "serve-arg", allow_hyphen_values = true)]
    serve_args: Vec<String>,
    /// The `wasmtime` CLI (48.0.8) for the HTTP scenario's baseline
    /// [default: ~/.cache/switchboard/wasmtime-48.0.8/bin/wasmtime, then
    /// PATH]. Without one, a smoke run skips the baseline.
    #[arg(long)]
    wasmtime: Option<PathBuf>,
    /// Only run the scenarios whose names contain one of these words
    /// (echo, fanout, idle, runaway, metrics, access-log, cluster, http).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Skip these servers (wasm, wasm-warm, native, node, plain, js,
    /// js-warm, node-js, socketio, wasmtime, wasmtime-limits).
    #[arg(long, value_delimiter = ',')]
    skip: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Write BENCHMARKS.md and the chart again from a results.json, with
    /// the current findings, without measuring anything.
    Render {
        /// The results.json of an earlier run.
        results: PathBuf,
        /// Where to write [default: the repository root and bench/].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Serve the plain tokio-tungstenite echo loop (started by the
    /// benchmark as a child process).
    PlainEcho {
        #[arg(long)]
        listen: SocketAddr,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::PlainEcho { listen }) => {
            let runtime = tokio::runtime::Runtime::new()?;
            return runtime.block_on(plain::serve(listen));
        }
        Some(Command::Render { results, out }) => {
            let report: report::Report = serde_json::from_slice(&std::fs::read(results)?)?;
            let repo_layout = out.is_none();
            let out = out.unwrap_or_else(setup::repo_root);
            return output::write(&report, &out, repo_layout);
        }
        None => {}
    }
    let options = run::Options {
        smoke: cli.smoke,
        seconds: cli.seconds.max(1),
        out: cli.out,
        switchboard: cli.switchboard,
        wasmtime: cli.wasmtime,
        serve_args: cli.serve_args,
        only: cli.only,
        skip: cli.skip,
        command: std::env::args().skip(1).collect::<Vec<_>>().join(" "),
    };
    run::run(options)
}
