//! HTTP `api/` hello world, closed loop: each keep-alive HTTP/1.1
//! connection sends a GET, waits for the whole response (no pipelining),
//! checks it is 200 `hello`, and sends the next. The servers are all
//! started first and measured in turns, window after window, so that a
//! slow spell of the shared machine falls on each of them alike; the
//! figures are medians over the windows.

use crate::echo::histogram;
use crate::procstat;
use crate::report::Latency;
use crate::servers::Running;
use anyhow::Context;
use hdrhistogram::Histogram;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The path requested from every server: Switchboard routes it to
/// `api/hello.wasm`; `wasmtime serve` gives every path to its component.
pub const PATH: &str = "/api/hello";

/// The body the hello-world component answers with.
const HELLO: &[u8] = b"hello";

/// What one HTTP run is.
#[derive(Debug, Clone, Copy)]
pub struct HttpPlan {
    pub connections: usize,
    /// Measured windows per server.
    pub windows: usize,
    pub window: Duration,
    pub warmup: Duration,
}

/// One measured window of one server.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct HttpWindow {
    pub requests: u64,
    pub requests_per_s: f64,
    pub cpu_us_per_request: f64,
    pub server_cpu: f64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct HttpResult {
    /// Requests answered over all measured windows.
    pub requests: u64,
    /// Medians over the windows.
    pub requests_per_s: f64,
    pub cpu_us_per_request: f64,
    pub server_cpu: f64,
    /// Over all measured windows together.
    pub latency: Latency,
    pub windows: Vec<HttpWindow>,
}

/// One keep-alive connection and what it has read but not yet parsed.
struct Conn {
    stream: TcpStream,
    buffer: Vec<u8>,
    request: std::sync::Arc<[u8]>,
}

/// Drives `servers` in turns and returns one result per server, in order.
pub async fn run(servers: &[&Running], plan: HttpPlan) -> anyhow::Result<Vec<HttpResult>> {
    let mut pools = Vec::new();
    for server in servers {
        let mut conns = Vec::with_capacity(plan.connections);
        for _ in 0..plan.connections {
            conns.push(Conn::open(server.addr).await?);
        }
        pools.push(Some(conns));
    }
    for (i, server) in servers.iter().enumerate() {
        eprintln!("      warming up {}", server.kind.name());
        let (conns, _) = window(pools[i].take().expect("a pool"), plan.warmup, server).await?;
        pools[i] = Some(conns);
    }
    let mut windows: Vec<Vec<HttpWindow>> = vec![Vec::new(); servers.len()];
    let mut latency: Vec<Histogram<u64>> = servers.iter().map(|_| histogram()).collect();
    for round in 0..plan.windows {
        for (i, server) in servers.iter().enumerate() {
            let (conns, (measured, histogram)) =
                window(pools[i].take().expect("a pool"), plan.window, server).await?;
            pools[i] = Some(conns);
            latency[i].add(&histogram)?;
            eprintln!(
                "      window {}/{} {:>8}: {:>6.0} req/s  {:>5.1} µs CPU/request",
                round + 1,
                plan.windows,
                server.kind.name(),
                measured.requests_per_s,
                measured.cpu_us_per_request
            );
            windows[i].push(measured);
        }
    }
    Ok(windows
        .into_iter()
        .zip(latency)
        .map(|(windows, latency)| HttpResult {
            requests: windows.iter().map(|w| w.requests).sum(),
            requests_per_s: median(windows.iter().map(|w| w.requests_per_s)),
            cpu_us_per_request: median(windows.iter().map(|w| w.cpu_us_per_request)),
            server_cpu: median(windows.iter().map(|w| w.server_cpu)),
            latency: Latency::of(&latency),
            windows,
        })
        .collect())
}

/// Loads one server with every connection for `length`; every request
/// started in the window is answered and counted.
async fn window(
    conns: Vec<Conn>,
    length: Duration,
    server: &Running,
) -> anyhow::Result<(Vec<Conn>, (HttpWindow, Histogram<u64>))> {
    let cpu0 = procstat::cpu_time(server.pid)?;
    let t0 = Instant::now();
    let until = t0 + length;
    let tasks: Vec<_> = conns
        .into_iter()
        .map(|mut conn| {
            tokio::spawn(async move {
                let mut latency = histogram();
                let mut count = 0u64;
                while Instant::now() < until {
                    let start = Instant::now();
                    conn.get().await?;
                    count += 1;
                    let _ = latency.record((start.elapsed().as_micros() as u64).max(1));
                }
                anyhow::Ok((conn, count, latency))
            })
        })
        .collect();
    let mut conns = Vec::with_capacity(tasks.len());
    let mut requests = 0;
    let mut latency = histogram();
    for task in tasks {
        let (conn, count, histogram) = task
            .await?
            .with_context(|| format!("HTTP client of {}", server.kind.name()))?;
        conns.push(conn);
        requests += count;
        latency.add(&histogram)?;
    }
    let (cpu1, wall) = (procstat::cpu_time(server.pid)?, t0.elapsed());
    let cpu = (cpu1 - cpu0).as_secs_f64();
    let measured = HttpWindow {
        requests,
        requests_per_s: requests as f64 / wall.as_secs_f64(),
        cpu_us_per_request: cpu * 1e6 / requests.max(1) as f64,
        server_cpu: cpu / wall.as_secs_f64(),
    };
    Ok((conns, (measured, latency)))
}

impl Conn {
    async fn open(addr: SocketAddr) -> anyhow::Result<Conn> {
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        let request = format!("GET {PATH} HTTP/1.1\r\nhost: {addr}\r\naccept: */*\r\n\r\n");
        Ok(Conn {
            stream,
            buffer: Vec::with_capacity(4096),
            request: request.into_bytes().into(),
        })
    }

    /// Sends the GET and reads its whole response, which must be 200
    /// `hello` on a connection that stays open.
    async fn get(&mut self) -> anyhow::Result<()> {
        self.stream.write_all(&self.request).await?;
        loop {
            if let Some(used) = parse(&self.buffer)? {
                self.buffer.drain(..used);
                return Ok(());
            }
            self.buffer.reserve(4096);
            let read = self.stream.read_buf(&mut self.buffer).await?;
            anyhow::ensure!(read > 0, "the server closed a keep-alive connection");
        }
    }
}

/// The length of the complete response at the start of `buffer`, `None`
/// if more must be read, or an error if it is not 200 `hello`.
fn parse(buffer: &[u8]) -> anyhow::Result<Option<usize>> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let head = match response.parse(buffer)? {
        httparse::Status::Complete(head) => head,
        httparse::Status::Partial => return Ok(None),
    };
    let status = response.code.unwrap_or(0);
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).into_owned())
    };
    if header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close")) {
        anyhow::bail!("the server answered {status} and closed the connection");
    }
    let rest = &buffer[head..];
    let (body, used) = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        match dechunk(rest)? {
            Some(found) => found,
            None => return Ok(None),
        }
    } else {
        let length: usize = header("content-length")
            .context("a response with neither content-length nor chunked encoding")?
            .trim()
            .parse()?;
        if rest.len() < length {
            return Ok(None);
        }
        (rest[..length].to_vec(), length)
    };
    anyhow::ensure!(
        status == 200 && body == HELLO,
        "expected 200 \"hello\", got {status} {:?}",
        String::from_utf8_lossy(&body)
    );
    Ok(Some(head + used))
}

/// A chunked body at the start of `data` (no trailers): its bytes and how
/// much of `data` it took, or `None` if incomplete.
fn dechunk(data: &[u8]) -> anyhow::Result<Option<(Vec<u8>, usize)>> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let Some(end) = find(&data[at..], b"\r\n") else {
            return Ok(None);
        };
        let line = std::str::from_utf8(&data[at..at + end])?;
        let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
            .with_context(|| format!("a bad chunk size line {line:?}"))?;
        at += end + 2;
        if size == 0 {
            if data.len() < at + 2 {
                return Ok(None);
            }
            anyhow::ensure!(&data[at..at + 2] == b"\r\n", "trailers are not expected");
            return Ok(Some((body, at + 2)));
        }
        if data.len() < at + size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&data[at..at + size]);
        at += size + 2;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_framings() {
        let fixed = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";
        assert_eq!(parse(fixed).unwrap(), Some(fixed.len()));
        assert_eq!(parse(&fixed[..fixed.len() - 1]).unwrap(), None);
        let chunked =
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        assert_eq!(parse(chunked).unwrap(), Some(chunked.len()));
        assert_eq!(parse(&chunked[..chunked.len() - 2]).unwrap(), None);
        let wrong = b"HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\n{}";
        assert!(parse(wrong).is_err());
    }
}
