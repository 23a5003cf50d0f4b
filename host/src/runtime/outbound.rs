//! Outbound HTTP from components (`wasi:http/outgoing-handler`): denied
//! unless the request's scheme, host and port match an allowed pattern,
//! and at most a few requests per call. A refused request is an error the
//! guest sees (`HTTP-request-denied`), never a trap.
//!
//! | pattern                      | allows                                   |
//! |------------------------------|------------------------------------------|
//! | `https://api.example.com`    | that host on port 443                    |
//! | `http://127.0.0.1:*`         | that address on any port                 |
//! | `https://*.example.com`      | its subdomains (not the bare domain)     |
//! | `*://db.internal:5984`       | either scheme, that port                 |
//! | `*://*:*`                    | everything (for development only)        |

use http::uri::Scheme;
use std::sync::Arc;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// Why an allowed-hosts pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("allowed-outbound-hosts: `{pattern}`: {reason}")]
pub struct PatternError {
    pattern: String,
    reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    Any,
    Exact(String),
    /// `*.example.com`, kept as `.example.com`.
    Subdomains(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    /// `None` for `*`.
    scheme: Option<String>,
    host: Host,
    /// `None` for `*`; the scheme's default port when the pattern names none.
    port: Option<Option<u16>>,
}

/// The hosts components may call.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts(Vec<Pattern>);

impl AllowedHosts {
    pub fn new(patterns: &[String]) -> Result<AllowedHosts, PatternError> {
        patterns
            .iter()
            .map(|p| parse(p))
            .collect::<Result<_, _>>()
            .map(AllowedHosts)
    }

    /// Whether a request to `scheme://host:port` may go out.
    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host = host.to_ascii_lowercase();
        self.0.iter().any(|p| {
            let scheme_ok = p.scheme.as_deref().is_none_or(|s| s == scheme);
            let host_ok = match &p.host {
                Host::Any => true,
                Host::Exact(exact) => *exact == host,
                Host::Subdomains(suffix) => host.ends_with(suffix.as_str()),
            };
            let port_ok = match p.port {
                None => true,
                Some(Some(want)) => want == port,
                Some(None) => default_port(scheme) == Some(port),
            };
            scheme_ok && host_ok && port_ok
        })
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

fn parse(pattern: &str) -> Result<Pattern, PatternError> {
    let error = |reason| PatternError {
        pattern: pattern.to_owned(),
        reason,
    };
    let (scheme, rest) = pattern.split_once("://").ok_or_else(|| {
        error("write it as scheme://host[:port], such as https://api.example.com")
    })?;
    let scheme = match scheme {
        "*" => None,
        "http" | "https" => Some(scheme.to_owned()),
        _ => return Err(error("the scheme must be http, https or *")),
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains('/') {
        return Err(error("name a host, not a path"));
    }
    // `[::1]:8080`, `host:*`, `host`.
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && (!host.contains(':') || host.ends_with(']')) => {
            (host, Some(port))
        }
        _ => (rest, None),
    };
    let port = match port {
        None => Some(None),
        Some("*") => None,
        Some(port) => Some(Some(
            port.parse::<u16>()
                .map_err(|_| error("the port must be a number or *"))?,
        )),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host = host.to_ascii_lowercase();
    let host = if host == "*" {
        Host::Any
    } else if let Some(domain) = host.strip_prefix("*.") {
        Host::Subdomains(format!(".{domain}"))
    } else if host.is_empty() || host.contains('*') {
        return Err(error("use * alone, or *.domain for subdomains"));
    } else {
        Host::Exact(host)
    };
    Ok(Pattern { scheme, host, port })
}

/// One call's gate for outbound requests: the allowed hosts and what is
/// left of its request allowance.
pub struct OutboundGate {
    allowed: Arc<AllowedHosts>,
    remaining: u32,
}

impl OutboundGate {
    pub fn new(allowed: Arc<AllowedHosts>, max_requests: u32) -> OutboundGate {
        OutboundGate {
            allowed,
            remaining: max_requests,
        }
    }

    fn admit(&mut self, uri: &http::Uri) -> Result<(), HttpError> {
        let scheme = uri.scheme_str().unwrap_or("https");
        let host = uri.host().unwrap_or_default();
        let port = uri.port_u16().or_else(|| default_port(scheme)).unwrap_or(0);
        if !self.allowed.allows(scheme, host, port) {
            tracing::warn!(%uri, "outbound request denied: not in allowed-outbound-hosts");
            return Err(HttpError::HttpRequestDenied);
        }
        if self.remaining == 0 {
            tracing::warn!(%uri, "outbound request denied: this call made too many");
            return Err(HttpError::HttpRequestDenied);
        }
        self.remaining -= 1;
        Ok(())
    }
}

type Sent = Result<
    (
        http::Response<WasiBody>,
        Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ),
    HttpError,
>;

impl WasiHttpHooks for OutboundGate {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<dyn Future<Output = Sent> + Send> {
        drop(fut);
        let admitted = self.admit(request.uri());
        Box::new(async move {
            admitted?;
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            let io: Box<dyn Future<Output = Result<(), HttpError>> + Send> = Box::new(io);
            Ok((response.map(BodyExt::boxed_unsync), io))
        })
    }

    fn is_supported_scheme(&mut self, scheme: &Scheme) -> bool {
        *scheme == Scheme::HTTP || *scheme == Scheme::HTTPS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(patterns: &[&str]) -> AllowedHosts {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        AllowedHosts::new(&patterns).unwrap()
    }

    #[test]
    fn the_documented_patterns() {
        let a = allowed(&["https://api.example.com", "http://127.0.0.1:*"]);
        assert!(a.allows("https", "api.example.com", 443));
        assert!(a.allows("https", "API.example.com", 443));
        assert!(!a.allows("https", "api.example.com", 8443));
        assert!(!a.allows("http", "api.example.com", 80));
        assert!(a.allows("http", "127.0.0.1", 1234));
        assert!(!a.allows("https", "127.0.0.1", 1234));
        assert!(!a.allows("http", "localhost", 1234));

        let a = allowed(&[
            "https://*.example.com",
            "*://db.internal:5984",
            "http://[::1]:8080",
        ]);
        assert!(a.allows("https", "a.b.example.com", 443));
        assert!(!a.allows("https", "example.com", 443));
        assert!(!a.allows("https", "badexample.com", 443));
        assert!(a.allows("http", "db.internal", 5984));
        assert!(a.allows("https", "db.internal", 5984));
        assert!(a.allows("http", "[::1]", 8080));

        assert!(allowed(&["*://*:*"]).allows("http", "anything", 1));
        assert!(!AllowedHosts::default().allows("http", "127.0.0.1", 80));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in [
            "api.example.com",
            "ftp://x",
            "https://x/path",
            "https://x:port",
            "https://a*b.com",
        ] {
            assert!(AllowedHosts::new(&[bad.to_owned()]).is_err(), "{bad}");
        }
    }
}
