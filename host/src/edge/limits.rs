//! The caps at the edge: connections in all and per client IP (a
//! [`Slot`] is held for each connection and given back when it drops,
//! whether the connection closed or its upgrade failed), the sizes of an
//! upgrade request's head, and each connection's message rate (a token
//! bucket).

use axum::http::{HeaderMap, StatusCode, Uri, header};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Open connections, in all and per client IP. Owned by the [`Edge`];
/// each [`Slot`] holds an `Arc` of the counts.
///
/// [`Edge`]: super::Edge
#[derive(Debug)]
pub struct ConnectionCaps {
    counts: Arc<Mutex<Counts>>,
    max_total: usize,
    /// 0: no cap.
    max_per_ip: usize,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// One counted connection; dropping it gives its place back.
#[derive(Debug)]
pub struct Slot {
    counts: Arc<Mutex<Counts>>,
    ip: IpAddr,
}

/// Why a connection was not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CapError {
    #[error("server full: {0} connections")]
    Total(usize),
    #[error("too many connections from this address: {0}")]
    PerIp(usize),
}

impl CapError {
    pub fn status(&self) -> StatusCode {
        match self {
            CapError::Total(_) => StatusCode::SERVICE_UNAVAILABLE,
            CapError::PerIp(_) => StatusCode::TOO_MANY_REQUESTS,
        }
    }
}

impl ConnectionCaps {
    pub fn new(max_total: usize, max_per_ip: usize) -> ConnectionCaps {
        ConnectionCaps {
            counts: Default::default(),
            max_total,
            max_per_ip,
        }
    }

    /// Counts a connection from `ip`, unless a cap is reached.
    pub fn acquire(&self, ip: IpAddr) -> Result<Slot, CapError> {
        let mut counts = self.counts.lock().expect("counts lock");
        if counts.total >= self.max_total {
            return Err(CapError::Total(self.max_total));
        }
        let from_ip = counts.per_ip.entry(ip).or_default();
        if self.max_per_ip > 0 && *from_ip >= self.max_per_ip {
            return Err(CapError::PerIp(self.max_per_ip));
        }
        *from_ip += 1;
        counts.total += 1;
        Ok(Slot {
            counts: self.counts.clone(),
            ip,
        })
    }

    /// Connections counted now, in all.
    pub fn total(&self) -> usize {
        self.counts.lock().expect("counts lock").total
    }

    /// Connections counted now from `ip`.
    pub fn from_ip(&self, ip: IpAddr) -> usize {
        let counts = self.counts.lock().expect("counts lock");
        counts.per_ip.get(&ip).copied().unwrap_or(0)
    }

    pub fn max_total(&self) -> usize {
        self.max_total
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().expect("counts lock");
        counts.total -= 1;
        if let Some(n) = counts.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.per_ip.remove(&self.ip);
            }
        }
    }
}

/// The total cap when `max-connections` is unset: the soft open-file
/// limit less a tenth of it (at least 100) for listeners, the compile
/// cache, component files and logs.
pub fn default_max_connections() -> usize {
    let limit = open_file_limit();
    limit.saturating_sub((limit / 10).max(100)).max(1)
}

fn open_file_limit() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return 1024;
    }
    usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
}

/// Caps on an upgrade request's head, answered with 431.
#[derive(Debug, Clone, Copy)]
pub struct HeadLimits {
    pub url: usize,
    pub headers: usize,
    pub cookies: usize,
}

impl HeadLimits {
    /// Why the head is too large, if it is.
    pub fn check(&self, uri: &Uri, headers: &HeaderMap) -> Result<(), String> {
        let url = uri.path_and_query().map_or(0, |p| p.as_str().len());
        if url > self.url {
            return Err(format!("URL longer than {} bytes", self.url));
        }
        // As on the wire: `name: value\r\n`.
        let total: usize = headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum();
        if total > self.headers {
            return Err(format!("headers larger than {} bytes", self.headers));
        }
        let cookies: usize = headers
            .get_all(header::COOKIE)
            .iter()
            .map(|v| v.len())
            .sum();
        if cookies > self.cookies {
            return Err(format!("cookies larger than {} bytes", self.cookies));
        }
        Ok(())
    }
}

/// The message rate every connection gets: `rate` per second with a
/// burst of `burst`, closed after `refusals` refused messages in a row.
#[derive(Debug, Clone, Copy)]
pub struct MessageRate {
    /// 0: no limit.
    pub rate: f64,
    pub burst: u32,
    pub refusals: u32,
}

/// One connection's token bucket.
#[derive(Debug)]
pub struct TokenBucket {
    limit: MessageRate,
    tokens: f64,
    last: Instant,
    refused_in_a_row: u32,
}

impl MessageRate {
    /// A full bucket for a new connection.
    pub fn bucket(&self) -> TokenBucket {
        TokenBucket {
            limit: *self,
            tokens: f64::from(self.burst),
            last: Instant::now(),
            refused_in_a_row: 0,
        }
    }

    /// The error a refused message is answered with.
    pub fn reason(&self) -> String {
        format!(
            "rate limit: more than {} messages a second (burst {})",
            self.rate, self.burst
        )
    }
}

impl TokenBucket {
    /// Takes a token for one message: whether it may go on.
    pub fn admit(&mut self) -> bool {
        if self.limit.rate <= 0.0 {
            return true;
        }
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.limit.rate;
        self.tokens = (self.tokens + refill).min(f64::from(self.limit.burst));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.refused_in_a_row = 0;
            true
        } else {
            self.refused_in_a_row += 1;
            false
        }
    }

    /// Whether the client went on flooding for `refusals` messages in a
    /// row, and must be closed.
    pub fn exhausted(&self) -> bool {
        self.refused_in_a_row >= self.limit.refusals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_given_back() {
        let caps = ConnectionCaps::new(3, 2);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let a1 = caps.acquire(a).unwrap();
        let _a2 = caps.acquire(a).unwrap();
        assert_eq!(caps.acquire(a).unwrap_err(), CapError::PerIp(2));
        let _b1 = caps.acquire(b).unwrap();
        assert_eq!(caps.acquire(b).unwrap_err(), CapError::Total(3));
        drop(a1);
        assert_eq!((caps.total(), caps.from_ip(a)), (2, 1));
        let _b2 = caps.acquire(b).unwrap();
        assert_eq!(caps.from_ip(b), 2);
    }

    #[test]
    fn the_bucket_allows_a_burst_then_the_rate_and_counts_refusals() {
        let rate = MessageRate {
            rate: 1.0,
            burst: 3,
            refusals: 2,
        };
        let mut bucket = rate.bucket();
        assert!((0..3).all(|_| bucket.admit()));
        assert!(!bucket.admit());
        assert!(!bucket.exhausted());
        assert!(!bucket.admit());
        assert!(bucket.exhausted());
        let mut off = MessageRate { rate: 0.0, ..rate }.bucket();
        assert!((0..10_000).all(|_| off.admit()));
    }
}
