//! `switchboard jobs`: the queues and dead letters of an app's embedded
//! job queue, read from its data directory while the server runs or not;
//! `requeue` and `drop` act on one dead job.

use crate::backend::jobs::{DeadJob, JobQueue, QueueStats, now_ms};
use crate::backend::local::{SqliteOptions, SqliteQueue};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct JobsArgs {
    app_dir: PathBuf,
    /// The server's data directory [default: jobs.data-dir of
    /// APP_DIR/switchboard.toml, else APP_DIR/.switchboard].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(Subcommand)]
enum Action {
    /// List each queue's jobs by state, and the dead letters (the default).
    List {
        /// Dead letters shown at most.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Queue a dead job again, its attempts reset.
    Requeue { id: String },
    /// Delete a dead job.
    Drop { id: String },
}

pub async fn run(args: JobsArgs) -> anyhow::Result<()> {
    let dir = match &args.data_dir {
        Some(dir) => dir.clone(),
        None => {
            let file = Some(args.app_dir.join("switchboard.toml")).filter(|path| path.is_file());
            let settings = crate::settings::load(file.as_deref(), &Default::default())?;
            settings.data_dir(&args.app_dir)
        }
    };
    let out = match args.action.unwrap_or(Action::List { limit: 50 }) {
        Action::List { limit } => list(&dir, limit).await?,
        Action::Requeue { id } => requeue(&dir, &id).await?,
        Action::Drop { id } => drop_dead(&dir, &id).await?,
    };
    print!("{out}");
    Ok(())
}

/// The queues and up to `limit` dead letters in data directory `dir`, as
/// a table.
pub async fn list(dir: &Path, limit: usize) -> anyhow::Result<String> {
    let queue = open(dir)?;
    let stats = queue.stats(now_ms()).await?;
    let dead = queue.dead(limit).await?;
    Ok(table(&stats, &dead))
}

/// Queues dead job `id` again.
pub async fn requeue(dir: &Path, id: &str) -> anyhow::Result<String> {
    match open(dir)?.requeue_dead(id, now_ms()).await? {
        true => Ok(format!("job {id} is queued again\n")),
        false => bail!("there is no dead job {id}"),
    }
}

/// Deletes dead job `id`.
pub async fn drop_dead(dir: &Path, id: &str) -> anyhow::Result<String> {
    match open(dir)?.drop_dead(id).await? {
        true => Ok(format!("dead job {id} is deleted\n")),
        false => bail!("there is no dead job {id}"),
    }
}

fn open(dir: &Path) -> anyhow::Result<SqliteQueue> {
    let path = dir.join("jobs.db");
    if !path.is_file() {
        bail!(
            "no job queue at {} (a server creates it when its app has queues/ or schedules/)",
            path.display()
        );
    }
    let options = SqliteOptions {
        batch_commits: false,
        recover: false,
    };
    SqliteQueue::open(&path, options).with_context(|| format!("cannot open {}", path.display()))
}

/// The queues, then the dead letters, as aligned text.
fn table(stats: &[QueueStats], dead: &[DeadJob]) -> String {
    let mut rows = vec![
        ["QUEUE", "READY", "DELAYED", "RUNNING", "DEAD"]
            .map(String::from)
            .to_vec(),
    ];
    for queue in stats {
        rows.push(vec![
            queue.queue.clone(),
            queue.ready.to_string(),
            queue.delayed.to_string(),
            queue.running.to_string(),
            queue.dead.to_string(),
        ]);
    }
    let mut out = aligned(&rows);
    if stats.is_empty() {
        out.push_str("(no jobs)\n");
    }
    if !dead.is_empty() {
        let mut rows = vec![
            ["DEAD JOB", "QUEUE", "ATTEMPTS", "DIED", "ERROR"]
                .map(String::from)
                .to_vec(),
        ];
        for job in dead {
            let died = chrono::DateTime::from_timestamp_millis(job.died_at as i64)
                .map_or("-".into(), |at| at.format("%Y-%m-%dT%H:%M:%SZ").to_string());
            rows.push(vec![
                job.id.clone(),
                job.queue.clone(),
                job.attempts.to_string(),
                died,
                job.error.replace('\n', " "),
            ]);
        }
        out.push('\n');
        out.push_str(&aligned(&rows));
    }
    out
}

fn aligned(rows: &[Vec<String>]) -> String {
    let columns = rows[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|row| row[c].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
