//! Which web pages may open a socket: the server's own (the `Origin`
//! names the request's `Host`), the origins of `allowed-origins`, and
//! requests from outside a browser, which send no `Origin`. A page from
//! anywhere else would act with its visitor's cookies (cross-site
//! WebSocket hijacking), so its upgrade is refused.

use super::EdgeError;

/// The allowed origins, as `allowed-origins` gives them.
#[derive(Debug, Clone)]
pub enum OriginPolicy {
    /// `["*"]`: no check at all.
    Any,
    /// The server's own origin and these.
    Listed(Vec<Pattern>),
}

/// One allowed origin: `https://app.example.com`, or with `*.` before
/// the host, any of its subdomains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    scheme: String,
    host: HostPattern,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Exact(String),
    /// `*.example.com`: stored as `.example.com`.
    Subdomains(String),
}

/// An `Origin` header taken apart: `scheme://host[:port]`, lower case.
#[derive(Debug, PartialEq, Eq)]
struct Origin<'a> {
    scheme: String,
    host: &'a str,
    port: Option<u16>,
}

impl OriginPolicy {
    /// Reads `allowed-origins`; `*` anywhere in it turns the check off.
    pub fn new(allowed: &[String]) -> Result<OriginPolicy, EdgeError> {
        if allowed.iter().any(|origin| origin == "*") {
            return Ok(OriginPolicy::Any);
        }
        let patterns = allowed.iter().map(|text| Pattern::parse(text));
        Ok(OriginPolicy::Listed(patterns.collect::<Result<_, _>>()?))
    }

    /// Whether a request with this `Origin` and `Host` may go on.
    ///
    /// ```ignore
    /// let policy = OriginPolicy::new(&["https://*.example.com".into()])?;
    /// assert!(policy.allows(Some("https://app.example.com"), Some("api.example.com")));
    /// assert!(policy.allows(Some("http://localhost:8080"), Some("localhost:8080")));
    /// assert!(!policy.allows(Some("https://evil.test"), Some("api.example.com")));
    /// assert!(policy.allows(None, Some("api.example.com")));
    /// ```
    pub fn allows(&self, origin: Option<&str>, host: Option<&str>) -> bool {
        let patterns = match self {
            OriginPolicy::Any => return true,
            OriginPolicy::Listed(patterns) => patterns,
        };
        let Some(origin) = origin else {
            return true;
        };
        let Some(origin) = Origin::parse(origin) else {
            return false;
        };
        host.is_some_and(|host| origin.is_host(host))
            || patterns.iter().any(|pattern| pattern.matches(&origin))
    }
}

impl OriginPolicy {
    /// Whether pages of `origin`, another site, may call the HTTP routes
    /// with CORS: it matches a pattern, or the check is off (`*`).
    pub fn grants(&self, origin: &str) -> bool {
        match self {
            OriginPolicy::Any => true,
            OriginPolicy::Listed(patterns) => Origin::parse(origin)
                .is_some_and(|origin| patterns.iter().any(|pattern| pattern.matches(&origin))),
        }
    }
}

impl Pattern {
    fn parse(text: &str) -> Result<Pattern, EdgeError> {
        let bad = |why: &str| EdgeError::Origin(text.to_owned(), why.to_owned());
        let origin =
            Origin::parse(text).ok_or_else(|| bad("expected scheme://host[:port], no path"))?;
        let host = match origin.host.strip_prefix('*') {
            Some(rest) if rest.starts_with('.') && rest.len() > 1 && !rest.contains('*') => {
                HostPattern::Subdomains(rest.to_ascii_lowercase())
            }
            Some(_) => return Err(bad("a wildcard is only allowed as `*.` before the host")),
            None if origin.host.contains('*') => {
                return Err(bad("a wildcard is only allowed as `*.` before the host"));
            }
            None => HostPattern::Exact(origin.host.to_ascii_lowercase()),
        };
        Ok(Pattern {
            port: origin.effective_port(),
            scheme: origin.scheme,
            host,
        })
    }

    fn matches(&self, origin: &Origin) -> bool {
        let host = origin.host.to_ascii_lowercase();
        let host_matches = match &self.host {
            HostPattern::Exact(exact) => host == *exact,
            HostPattern::Subdomains(suffix) => host.len() > suffix.len() && host.ends_with(suffix),
        };
        self.scheme == origin.scheme && host_matches && self.port == origin.effective_port()
    }
}

impl<'a> Origin<'a> {
    fn parse(text: &'a str) -> Option<Origin<'a>> {
        let (scheme, authority) = text.split_once("://")?;
        if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
            return None;
        }
        let (host, port) = split_authority(authority)?;
        Some(Origin {
            scheme: scheme.to_ascii_lowercase(),
            host,
            port,
        })
    }

    /// The port, or the scheme's default one.
    fn effective_port(&self) -> Option<u16> {
        self.port.or(default_port(&self.scheme))
    }

    /// Whether this origin is the request's own `Host`.
    fn is_host(&self, host: &str) -> bool {
        let Some((name, port)) = split_authority(host) else {
            return false;
        };
        let port = port.or(default_port(&self.scheme));
        name.eq_ignore_ascii_case(self.host) && port == self.effective_port()
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// `host:port`, `host` or `[v6]:port` into the host and the port.
fn split_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => (&authority[..i], Some(&authority[i + 1..])),
        _ => (authority, None),
    };
    if host.is_empty() {
        return None;
    }
    match port {
        Some(port) => Some((host, Some(port.parse().ok()?))),
        None => Some((host, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allowed: &[&str]) -> OriginPolicy {
        let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
        OriginPolicy::new(&allowed).unwrap()
    }

    #[test]
    fn same_origin_by_default() {
        let p = policy(&[]);
        assert!(p.allows(Some("http://localhost:8080"), Some("localhost:8080")));
        assert!(p.allows(Some("https://Example.com"), Some("example.com:443")));
        assert!(p.allows(Some("http://[::1]:9000"), Some("[::1]:9000")));
        assert!(p.allows(None, Some("localhost:8080")));
        assert!(!p.allows(Some("http://localhost:8081"), Some("localhost:8080")));
        assert!(!p.allows(Some("http://evil.test"), Some("localhost:8080")));
        assert!(!p.allows(Some("null"), Some("localhost:8080")));
        assert!(!p.allows(Some("http://localhost:8080"), None));
    }

    #[test]
    fn subdomain_wildcards_match_subdomains_only() {
        let p = policy(&["https://*.example.com", "http://localhost:3000"]);
        assert!(p.allows(Some("https://app.example.com"), Some("api.test")));
        assert!(p.allows(Some("https://a.b.example.com"), Some("api.test")));
        assert!(p.allows(Some("http://localhost:3000"), Some("api.test")));
        assert!(!p.allows(Some("https://example.com"), Some("api.test")));
        assert!(!p.allows(Some("https://evilexample.com"), Some("api.test")));
        assert!(!p.allows(Some("http://app.example.com"), Some("api.test")));
        assert!(!p.allows(Some("https://app.example.com:8443"), Some("api.test")));
    }

    #[test]
    fn a_star_turns_the_check_off_and_bad_patterns_are_refused() {
        assert!(policy(&["*"]).allows(Some("http://evil.test"), Some("a.test")));
        for bad in [
            "example.com",
            "https://a.*.com",
            "https://*example.com",
            "https://a/b",
        ] {
            assert!(OriginPolicy::new(&[bad.to_owned()]).is_err(), "{bad}");
        }
    }
}
