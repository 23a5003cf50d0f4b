//! The browser-facing edge, shared by the triggers that take requests
//! from the web (sockets and `api/` routes): which pages may open a
//! socket or make a state-changing request with cookies ([`origin`]) and
//! the CORS answers that follow from it, who the client is behind trusted proxies
//! ([`client`]), and the caps on connections, request heads and message
//! rates ([`limits`]). Built once from the settings; the services of
//! `context` hold it.
//!
//! Depends on `settings` only.

pub mod client;
pub mod limits;
pub mod origin;

use crate::settings;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use client::TrustedProxies;
use limits::{ConnectionCaps, HeadLimits, MessageRate, Slot};
use origin::OriginPolicy;
use std::net::IpAddr;

/// The edge's policy and its connection counts.
#[derive(Debug)]
pub struct Edge {
    origins: OriginPolicy,
    proxies: TrustedProxies,
    heads: HeadLimits,
    pub connections: ConnectionCaps,
    /// The message rate of every connection.
    pub rate: MessageRate,
}

/// Whether `headers` carry `Authorization: Bearer KEY` with this `key`.
/// Compared in constant time: both sides are hashed first, so the time
/// depends on neither length nor content.
pub fn bearer_matches(headers: &HeaderMap, key: &str) -> bool {
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    let (given, key) = (Sha256::digest(given.trim()), Sha256::digest(key));
    bool::from(given.ct_eq(&key))
}

/// A setting the edge cannot use.
#[derive(Debug, thiserror::Error)]
pub enum EdgeError {
    #[error("bad allowed origin `{0}` (edge.allowed-origins): {1}")]
    Origin(String, String),
    #[error("bad trusted proxy `{0}` (edge.trusted-proxies): expected an address or a CIDR block")]
    Proxy(String),
}

/// Why a request was refused, at the edge or by authentication; answered
/// with its status and `{"error": reason}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {reason}")]
pub struct Refused {
    pub status: StatusCode,
    pub reason: String,
}

impl Refused {
    pub fn new(status: StatusCode, reason: impl Into<String>) -> Refused {
        Refused {
            status,
            reason: reason.into(),
        }
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let body = axum::Json(serde_json::json!({ "error": self.reason }));
        (self.status, body).into_response()
    }
}

impl Edge {
    /// The edge for these settings; warns when the Origin check is off.
    pub fn new(settings: &settings::Edge) -> Result<Edge, EdgeError> {
        let origins = OriginPolicy::new(&settings.allowed_origins)?;
        if matches!(origins, OriginPolicy::Any) {
            tracing::warn!(
                "allowed-origins is [\"*\"]: pages from any site may open sockets \
                 with their visitors' cookies"
            );
        }
        let max_total = settings
            .max_connections
            .unwrap_or_else(limits::default_max_connections);
        tracing::info!(
            max_connections = max_total,
            per_ip = settings.max_connections_per_ip,
            "connection caps"
        );
        Ok(Edge {
            origins,
            proxies: TrustedProxies::new(&settings.trusted_proxies)?,
            heads: HeadLimits {
                url: settings.max_url_bytes,
                headers: settings.max_header_bytes,
                cookies: settings.max_cookie_bytes,
            },
            connections: ConnectionCaps::new(max_total, settings.max_connections_per_ip),
            rate: MessageRate {
                rate: settings.message_rate,
                burst: settings.message_burst,
                refusals: settings.rate_limit_refusals,
            },
        })
    }

    /// The client of a request from `peer` (see [`client`]).
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        self.proxies.client_ip(peer, headers)
    }

    /// Checks an upgrade request from `client` and counts its connection:
    /// 431 for a head too large, 403 for a foreign `Origin`, 503 when the
    /// server is full, 429 when this client holds too many connections.
    pub fn admit(&self, client: IpAddr, uri: &Uri, headers: &HeaderMap) -> Result<Slot, Refused> {
        self.heads.check(uri, headers).map_err(|reason| Refused {
            status: StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            reason: format!("request too large: {reason}"),
        })?;
        self.check_origin(headers)?;
        self.connections.acquire(client).map_err(|err| Refused {
            status: err.status(),
            reason: err.to_string(),
        })
    }

    /// 403 unless the request's `Origin` may open sockets here.
    pub fn check_origin(&self, headers: &HeaderMap) -> Result<(), Refused> {
        let (origin, host) = (text(headers, header::ORIGIN), text(headers, header::HOST));
        match self.origins.allows(origin, host) {
            true => Ok(()),
            false => Err(Refused {
                status: StatusCode::FORBIDDEN,
                reason: "origin not allowed".to_owned(),
            }),
        }
    }
}

/// Methods a cross-site page may not use with its visitor's cookies unless
/// its origin is allowed; what else a page can send (GET, HEAD) must not
/// change state.
fn changes_state(method: &Method) -> bool {
    [Method::POST, Method::PUT, Method::PATCH, Method::DELETE].contains(method)
}

impl Edge {
    /// 403 for a state-changing HTTP request that carries cookies from a
    /// page whose origin is not allowed (cross-site request forgery).
    pub fn check_request(&self, method: &Method, headers: &HeaderMap) -> Result<(), Refused> {
        if changes_state(method) && headers.contains_key(header::COOKIE) {
            self.check_origin(headers)?;
        }
        Ok(())
    }

    /// The CORS headers for a request from another site that
    /// `allowed-origins` grants; none for same-site and non-browser
    /// requests. Listed origins may send credentials; with `*`, any site
    /// may call but without them.
    pub fn cors_headers(&self, headers: &HeaderMap) -> HeaderMap {
        let mut cors = HeaderMap::new();
        let Some(origin) = headers.get(header::ORIGIN) else {
            return cors;
        };
        let Ok(text) = origin.to_str() else {
            return cors;
        };
        cors.insert(header::VARY, HeaderValue::from_static("Origin"));
        match &self.origins {
            OriginPolicy::Any => {
                cors.insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                );
            }
            listed if listed.grants(text) => {
                cors.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
                cors.insert(
                    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                    HeaderValue::from_static("true"),
                );
            }
            // The server's own pages need no CORS; other sites get none.
            _ => {}
        }
        cors
    }

    /// The answer to a CORS preflight (`OPTIONS` with
    /// `Access-Control-Request-Method`): 204 with what may be sent, or 403
    /// for an origin that is not allowed.
    pub fn preflight(&self, headers: &HeaderMap) -> Response {
        let mut cors = self.cors_headers(headers);
        let origin = text(headers, header::ORIGIN);
        let granted = cors.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            || self.origins.allows(origin, text(headers, header::HOST));
        if !granted {
            let refused = Refused::new(StatusCode::FORBIDDEN, "origin not allowed");
            return (cors, refused).into_response();
        }
        cors.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, HEAD, POST, PUT, PATCH, DELETE"),
        );
        if let Some(asked) = headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            cors.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
        }
        cors.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        (StatusCode::NO_CONTENT, cors).into_response()
    }
}

/// A header's value as text; one that is not text matches no origin.
fn text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).map(|v| v.to_str().unwrap_or("\u{0}"))
}
