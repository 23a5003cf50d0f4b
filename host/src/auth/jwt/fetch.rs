//! Fetches a JWKS over HTTP(S) for `--jwks-url`, with hyper's client
//! (which axum already brings) and rustls. Plain `http://` is accepted
//! only on loopback: keys fetched in the clear could be swapped on the way.

use super::keys::{KeyError, KeySet};
use axum::http::{HeaderMap, Request, StatusCode, Uri, header};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// Largest JWKS accepted.
const MAX_BYTES: usize = 1 << 20;
/// Longest wait for a whole response.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a JWKS is kept without a Cache-Control max-age.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);
/// Bounds on a JWKS's max-age, so it is neither fetched in a loop nor
/// kept for ever.
const MAX_AGE_RANGE: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(86_400));

/// Why a JWKS could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("--jwks-url {0:?} is not an https:// URL (http:// is allowed on loopback only)")]
    Url(String),
    #[error("cannot set up TLS for --jwks-url: {0}")]
    Tls(std::io::Error),
    #[error("fetching the JWKS from {url}: {reason}")]
    Failed { url: String, reason: String },
}

/// An HTTP(S) client for JWKS documents.
pub struct Fetcher {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
}

impl Fetcher {
    /// Checks the URL and sets up the client (the system's root
    /// certificates).
    pub fn new(url: &str) -> Result<Fetcher, FetchError> {
        check_url(url)?;
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(FetchError::Tls)?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(Fetcher { client })
    }

    /// The keys at `url`, and how long to keep them.
    pub async fn jwks(&self, url: &str) -> Result<(KeySet, Duration), KeyError> {
        let failed = |reason: String| FetchError::Failed {
            url: url.to_owned(),
            reason,
        };
        let (headers, body) = tokio::time::timeout(TIMEOUT, self.get(url))
            .await
            .map_err(|_| failed(format!("no answer in {TIMEOUT:?}")))?
            .map_err(failed)?;
        let keys = KeySet::from_jwks(&body).map_err(|err| failed(err.to_string()))?;
        Ok((keys, max_age(&headers)))
    }

    async fn get(&self, url: &str) -> Result<(HeaderMap, Bytes), String> {
        let request = Request::get(url)
            .header(header::ACCEPT, "application/json")
            .body(Empty::new())
            .map_err(|err| err.to_string())?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|err| chain(&err))?;
        if response.status() != StatusCode::OK {
            return Err(format!("status {}", response.status()));
        }
        let (head, body) = response.into_parts();
        let body = Limited::new(body, MAX_BYTES)
            .collect()
            .await
            .map_err(|err| format!("reading the body: {err} (at most {MAX_BYTES} bytes)"))?;
        Ok((head.headers, body.to_bytes()))
    }
}

/// An error and its causes: `client error (Connect): tcp connect error:
/// Connection refused`.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

fn check_url(url: &str) -> Result<(), FetchError> {
    let bad = || FetchError::Url(url.to_owned());
    let uri: Uri = url.parse().map_err(|_| bad())?;
    let host = uri.host().ok_or_else(bad)?;
    let loopback = host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if loopback => Ok(()),
        _ => Err(bad()),
    }
}

/// The response's `Cache-Control: max-age`, within [`MAX_AGE_RANGE`];
/// [`DEFAULT_MAX_AGE`] without one.
fn max_age(headers: &HeaderMap) -> Duration {
    let seconds = headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|directive| {
            let (name, value) = directive.trim().split_once('=')?;
            name.eq_ignore_ascii_case("max-age").then_some(value)
        })
        .find_map(|value| value.trim_matches('"').parse::<u64>().ok());
    match seconds {
        Some(seconds) => Duration::from_secs(seconds).clamp(MAX_AGE_RANGE.0, MAX_AGE_RANGE.1),
        None => DEFAULT_MAX_AGE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_control(value: &str) -> Duration {
        let mut headers = HeaderMap::new();
        headers.insert(header::CACHE_CONTROL, value.parse().unwrap());
        max_age(&headers)
    }

    #[test]
    fn max_age_is_read_and_bounded() {
        assert_eq!(cache_control("public, max-age=60"), Duration::from_secs(60));
        assert_eq!(cache_control("Max-Age=0"), Duration::from_secs(1));
        assert_eq!(
            cache_control("max-age=99999999"),
            Duration::from_secs(86_400)
        );
        assert_eq!(cache_control("no-cache"), DEFAULT_MAX_AGE);
        assert_eq!(max_age(&HeaderMap::new()), DEFAULT_MAX_AGE);
    }

    #[test]
    fn plain_http_only_on_loopback() {
        assert!(check_url("https://idp.example.com/.well-known/jwks.json").is_ok());
        assert!(check_url("http://127.0.0.1:9000/jwks").is_ok());
        assert!(check_url("http://[::1]:9000/jwks").is_ok());
        assert!(check_url("http://localhost/jwks").is_ok());
        assert!(check_url("http://idp.example.com/jwks").is_err());
        assert!(check_url("ftp://127.0.0.1/jwks").is_err());
        assert!(check_url("not a url").is_err());
    }
}
