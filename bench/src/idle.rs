//! Idle memory: the server's resident memory growth per open, quiet
//! connection, measured at increasing connection counts.

use crate::client::{connect_many, idle};
use crate::procstat;
use crate::servers::Running;
use std::time::Duration;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct IdlePoint {
    pub connections: usize,
    pub rss_before: u64,
    pub rss_after: u64,
    pub bytes_per_connection: f64,
}

/// Opens connections up to each count in `steps` (ascending) and reads
/// VmRSS once they have settled.
pub async fn run(server: &Running, steps: &[usize]) -> anyhow::Result<Vec<IdlePoint>> {
    // A few connections first, so one-time allocations are not counted.
    let warm = connect_many(server.addr, 16, 0, |_| None).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = procstat::rss_bytes(server.pid)?;
    let mut tasks = Vec::new();
    let mut open = 0;
    let mut points = Vec::new();
    for &target in steps {
        let sockets = connect_many(server.addr, target - open, 16 + open, |_| None).await?;
        open = target;
        tasks.extend(sockets.into_iter().map(|ws| tokio::spawn(idle(ws))));
        tokio::time::sleep(Duration::from_secs(2)).await;
        let rss_after = procstat::rss_bytes(server.pid)?;
        let point = IdlePoint {
            connections: target,
            rss_before,
            rss_after,
            bytes_per_connection: rss_after.saturating_sub(rss_before) as f64 / target as f64,
        };
        eprintln!(
            "      {target} idle connections: {:.1} KiB each",
            point.bytes_per_connection / 1024.0
        );
        points.push(point);
    }
    for task in tasks {
        task.abort();
    }
    drop(warm);
    Ok(points)
}
