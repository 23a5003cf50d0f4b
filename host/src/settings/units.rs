//! The settings in the types the server uses: durations from seconds,
//! bytes from KiB and MiB, the store's and pushes' limits, the retry
//! backoff, and the directories left unset.

use super::{CallLimits, Cluster, Connections, Jobs, Settings, Store};
use std::path::PathBuf;
use std::time::Duration;

impl Connections {
    pub fn keepalive_interval(&self) -> Duration {
        seconds(self.keepalive_interval)
    }

    pub fn keepalive_timeout(&self) -> Duration {
        seconds(self.keepalive_timeout)
    }

    pub fn drain_window(&self) -> Duration {
        seconds(self.drain_window)
    }

    pub fn shutdown_grace(&self) -> Duration {
        seconds(self.shutdown_grace)
    }
}

impl Cluster {
    /// How this node joins its cluster, if it is in one.
    pub fn options(&self) -> Option<crate::backend::redis::ClusterOptions> {
        Some(crate::backend::redis::ClusterOptions {
            url: self.redis.clone()?,
            prefix: self.prefix.clone(),
            node_ttl: seconds(self.node_ttl.max(1.0)),
        })
    }
}

impl CallLimits {
    pub fn memory_bytes(&self) -> usize {
        self.memory_limit_mib << 20
    }

    pub fn keep_resident_bytes(&self) -> usize {
        self.keep_resident_kib << 10
    }

    pub fn default_timeout(&self) -> Duration {
        Duration::from_secs(self.timeout.max(1))
    }
}

impl Settings {
    /// Where the job queue's file lives: `jobs.data-dir`, else
    /// `APP_DIR/.switchboard/`.
    pub fn data_dir(&self, app_dir: &std::path::Path) -> PathBuf {
        self.jobs
            .data_dir
            .clone()
            .unwrap_or_else(|| app_dir.join(".switchboard"))
    }
}

impl Jobs {
    /// The limits `queue.push` enforces.
    pub fn limits(&self) -> crate::backend::jobs::QueueLimits {
        crate::backend::jobs::QueueLimits {
            max_payload_bytes: self.max_payload_bytes,
            max_depth: self.max_depth,
            idempotency_window: seconds(self.idempotency_window),
            ..Default::default()
        }
    }

    /// How long to wait before retrying a job whose attempt `attempt`
    /// (from 1) failed.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31) as i32;
        let delay = self.retry_delay.max(0.0) * 2f64.powi(doublings);
        seconds(delay.min(self.retry_max_delay.max(0.0)))
    }
}

impl Store {
    /// The limits the store enforces.
    pub fn limits(&self) -> crate::backend::limits::StoreLimits {
        crate::backend::limits::StoreLimits {
            max_bytes: self.max_bytes,
            max_keys: self.max_keys,
            max_members: self.max_members,
            ..Default::default()
        }
    }
}

/// A setting in seconds, at least a millisecond.
pub(super) fn seconds(value: f64) -> Duration {
    Duration::try_from_secs_f64(value.max(0.001)).unwrap_or(Duration::MAX)
}

/// `$XDG_CACHE_HOME/switchboard/components`, else
/// `$HOME/.cache/switchboard/components`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("switchboard").join("components"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_the_cap() {
        let jobs = Jobs::default();
        let waits: Vec<u64> = [1, 2, 3, 4, 9, 10, 40, u32::MAX]
            .map(|attempt| jobs.backoff(attempt).as_secs())
            .to_vec();
        assert_eq!(waits, [1, 2, 4, 8, 256, 300, 300, 300]);
    }
}
