//! HTTP: `api/` handlers and outbound requests.
//!
//! An `api/` handler is a function from [`Request`] to [`Response`]; the
//! [`http_handler`](crate::http_handler) attribute exports it as the
//! component's standard `wasi:http/incoming-handler`, so the same `.wasm`
//! also runs on any other wasi:http host (`wasmtime serve`, Spin):
//!
//! ```no_run
//! use switchboard_guest::http::{Request, Response};
//! use switchboard_guest::{Error, context, http_handler, json, socket};
//!
//! /// `api/users/[id].wasm`, served at `/api/users/:id`.
//! #[http_handler]
//! fn handle(req: Request) -> Result<Response, Error> {
//!     let id = context::param("id").ok_or("no id")?;
//!     if req.method == "POST" {
//!         let note: switchboard_guest::Value = req.json()?;
//!         socket::send(json!({ "note": note, "about": id }))?; // to the caller's sockets
//!     }
//!     Ok(Response::json(&json!({ "id": id, "user": context::user().map(|u| u.id) })))
//! }
//! # fn main() {}
//! ```
//!
//! The handler may return a [`Response`] or a `Result<Response, E>` with
//! any `E: Display`: an `Err` becomes a **500** with the JSON body
//! `{"error": "<its text>"}`. A panic traps, which the host also answers
//! with a 500.
//!
//! The request's body is read whole before the handler runs; the host caps
//! its size. A response body is bytes ([`Response::text`],
//! [`Response::json`], [`Response::with_body`]) or a stream written while
//! the client receives it ([`Response::stream`]), for bodies too large to
//! hold in memory.
//!
//! Outbound requests go through `wasi:http/outgoing-handler` with
//! [`fetch`] and [`get`]. Switchboard denies them unless the host is
//! allow-listed (`allowed-outbound-hosts`); a denied, refused or timed-out
//! request is an `Err`, never a panic:
//!
//! ```no_run
//! use switchboard_guest::http::{self, Request};
//! use switchboard_guest::{Error, Value, json};
//!
//! fn lookup(id: &str) -> Result<Value, Error> {
//!     let page = http::get("http://127.0.0.1:8000/status")?;
//!     let created = http::fetch(
//!         Request::post("http://127.0.0.1:8000/items")
//!             .with_header("authorization", "Bearer t0ken")
//!             .with_json(&json!({ "id": id }))?,
//!     )?;
//!     Ok(json!({ "status": page.status, "created": created.body.json::<Value>()? }))
//! }
//! ```

mod headers;
mod host;
mod query;

pub use headers::Headers;
pub(crate) use host::serve;
pub use host::{BodyWriter, fetch, get};

use crate::Error;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;

/// An HTTP request: the one an `api/` handler receives, or one to send
/// with [`fetch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, ...: upper case for the standard methods.
    pub method: String,
    /// `http` or `https`, when known. Always set for [`fetch`].
    pub scheme: Option<String>,
    /// `host[:port]`, when known. Always set for [`fetch`].
    pub authority: Option<String>,
    /// The path and query, as sent: `/api/users/42?full=1`.
    pub path_with_query: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

impl Request {
    /// A request with no headers and no body. An absolute `url`
    /// (`http://host:port/path?query`) sets the scheme, authority and path;
    /// anything else is taken as a path. Standard method names are
    /// accepted in any case and stored upper case.
    pub fn new(method: impl Into<String>, url: &str) -> Self {
        let (scheme, authority, path_with_query) = split_url(url);
        Request {
            method: normalize_method(method.into()),
            scheme,
            authority,
            path_with_query,
            headers: Headers::new(),
            body: Vec::new(),
        }
    }

    pub fn get(url: &str) -> Self {
        Request::new("GET", url)
    }

    pub fn post(url: &str) -> Self {
        Request::new("POST", url)
    }

    pub fn put(url: &str) -> Self {
        Request::new("PUT", url)
    }

    pub fn delete(url: &str) -> Self {
        Request::new("DELETE", url)
    }

    /// Adds a header (after any of the same name).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.append(name, value);
        self
    }

    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The value as a JSON body, with `content-type: application/json`
    /// unless a content type is set already.
    pub fn with_json<T: Serialize + ?Sized>(mut self, value: &T) -> Result<Self, Error> {
        self.body = serde_json::to_vec(value)?;
        if !self.headers.contains("content-type") {
            self.headers.set("content-type", "application/json");
        }
        Ok(self)
    }

    /// The path, without the query: `/api/users/42`.
    pub fn path(&self) -> &str {
        self.path_with_query
            .split_once('?')
            .map_or(self.path_with_query.as_str(), |(path, _)| path)
    }

    /// The raw query string, without `?`; empty when there is none.
    pub fn query(&self) -> &str {
        self.path_with_query
            .split_once('?')
            .map_or("", |(_, query)| query)
    }

    /// The query's `name=value` pairs, percent-decoded (`+` is a space),
    /// in order.
    pub fn query_params(&self) -> Vec<(String, String)> {
        query::parse(self.query())
    }

    /// The first query parameter with this name, percent-decoded:
    /// `?url=http%3A%2F%2Fx` gives `http://x`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        query::parse(self.query())
            .into_iter()
            .find_map(|(key, value)| (key == name).then_some(value))
    }

    /// The first header with this name, in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// The body as UTF-8 text; an error names the first bad byte.
    pub fn text(&self) -> Result<&str, Error> {
        utf8(&self.body)
    }

    /// The body parsed as JSON into any deserializable type, such as
    /// [`Value`](crate::Value).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        Ok(serde_json::from_slice(&self.body)?)
    }

    /// `scheme://authority/path?query`, or only the path and query when
    /// the scheme or authority is unknown.
    pub fn url(&self) -> String {
        match (&self.scheme, &self.authority) {
            (Some(scheme), Some(authority)) => {
                format!("{scheme}://{authority}{}", self.path_with_query)
            }
            _ => self.path_with_query.clone(),
        }
    }
}

/// An HTTP response: what an `api/` handler answers, or what [`fetch`]
/// received.
///
/// Build one with a constructor and `with_*` methods:
///
/// ```
/// use switchboard_guest::http::Response;
/// use switchboard_guest::json;
///
/// let created = Response::json(&json!({ "id": 7 }))
///     .with_status(201)
///     .with_header("location", "/api/items/7");
/// let teapot = Response::text("short and stout").with_status(418);
/// let empty = Response::new(204);
/// # assert_eq!(created.header("Location"), Some("/api/items/7"));
/// # assert_eq!(teapot.body.text().unwrap(), "short and stout");
/// # assert!(empty.body.as_bytes().is_empty());
/// ```
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Headers,
    pub body: Body,
}

impl Response {
    /// A response with this status, no headers and an empty body.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Headers::new(),
            body: Body::default(),
        }
    }

    /// 200 with a `text/plain; charset=utf-8` body.
    pub fn text(text: impl Into<String>) -> Self {
        Response::new(200)
            .with_header("content-type", "text/plain; charset=utf-8")
            .with_body(text.into())
    }

    /// 200 with the value as an `application/json` body. A value that
    /// cannot be serialized (a map with non-string keys) gives a 500 with
    /// the error instead, as a handler's `Err` would.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(bytes) => Response::new(200)
                .with_header("content-type", "application/json")
                .with_body(bytes),
            Err(err) => Response::error(500, err),
        }
    }

    /// This status with the JSON body `{"error": "<message>"}`, the shape
    /// Switchboard uses for its own errors.
    pub fn error(status: u16, message: impl fmt::Display) -> Self {
        Response::json(&serde_json::json!({ "error": message.to_string() })).with_status(status)
    }

    /// 200 with a body that `write` produces while the client receives it,
    /// for bodies too large to hold in memory. If `write` fails, the body
    /// ends unfinished, so the client sees a broken response rather than a
    /// short one, and the error goes to the log.
    ///
    /// ```
    /// use switchboard_guest::http::Response;
    ///
    /// let big = Response::stream(|out| {
    ///     for _ in 0..1000 {
    ///         out.write(&[b'x'; 64 * 1024])?;
    ///     }
    ///     Ok(())
    /// });
    /// ```
    pub fn stream(write: impl FnOnce(&mut BodyWriter) -> Result<(), Error> + 'static) -> Self {
        Response::new(200).with_body(Body::stream(write))
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Sets a header, replacing any of the same name (in any case); use
    /// [`Headers::append`] on `headers` for repeated ones.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.set(name, value);
        self
    }

    pub fn with_body(mut self, body: impl Into<Body>) -> Self {
        self.body = body.into();
        self
    }

    /// The first header with this name, in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }
}

/// A response body: bytes, or a stream written as it is sent. A
/// [`fetch`]ed response's body is always bytes.
#[derive(Default)]
pub struct Body(BodyKind);

type WriteFn = Box<dyn FnOnce(&mut BodyWriter) -> Result<(), Error>>;

#[derive(Default)]
enum BodyKind {
    #[default]
    Empty,
    Bytes(Vec<u8>),
    Stream(WriteFn),
}

impl Body {
    /// A body that `write` produces as it is sent; see
    /// [`Response::stream`].
    pub fn stream(write: impl FnOnce(&mut BodyWriter) -> Result<(), Error> + 'static) -> Self {
        Body(BodyKind::Stream(Box::new(write)))
    }

    /// The bytes; empty for a stream, whose bytes do not exist yet.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            BodyKind::Bytes(bytes) => bytes,
            BodyKind::Empty | BodyKind::Stream(_) => &[],
        }
    }

    /// The bytes; empty for a stream.
    pub fn into_bytes(self) -> Vec<u8> {
        match self.0 {
            BodyKind::Bytes(bytes) => bytes,
            BodyKind::Empty | BodyKind::Stream(_) => Vec::new(),
        }
    }

    pub fn is_stream(&self) -> bool {
        matches!(self.0, BodyKind::Stream(_))
    }

    /// The bytes as UTF-8 text.
    pub fn text(&self) -> Result<&str, Error> {
        utf8(self.as_bytes())
    }

    /// The bytes parsed as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        Ok(serde_json::from_slice(self.as_bytes())?)
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            BodyKind::Empty => f.write_str("Body(empty)"),
            BodyKind::Bytes(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) if text.len() <= 256 => write!(f, "Body({text:?})"),
                _ => write!(f, "Body({} bytes)", bytes.len()),
            },
            BodyKind::Stream(_) => f.write_str("Body(stream)"),
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Body(BodyKind::Bytes(bytes))
    }
}

impl From<&[u8]> for Body {
    fn from(bytes: &[u8]) -> Self {
        Body(BodyKind::Bytes(bytes.to_vec()))
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Body(BodyKind::Bytes(text.into_bytes()))
    }
}

impl From<&str> for Body {
    fn from(text: &str) -> Self {
        Body(BodyKind::Bytes(text.as_bytes().to_vec()))
    }
}

/// What an `api/` handler may return: a [`Response`], or a
/// `Result<Response, E>` whose `Err` becomes a 500 with
/// `{"error": "<text>"}`.
pub trait IntoResponse {
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl<R: IntoResponse, E: fmt::Display> IntoResponse for Result<R, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(response) => response.into_response(),
            Err(err) => Response::error(500, err),
        }
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(bytes).map_err(|err| Error::new(format!("body is not UTF-8: {err}")))
}

/// Standard methods upper case, so `Request::new("get", ..)` sends `GET`.
fn normalize_method(method: String) -> String {
    const STANDARD: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ];
    match STANDARD.iter().find(|m| m.eq_ignore_ascii_case(&method)) {
        Some(standard) => (*standard).to_owned(),
        None => method,
    }
}

/// `(scheme, authority, path_with_query)` of an absolute URL, or the
/// whole string as the path of anything else. The fragment is dropped:
/// it is never sent.
fn split_url(url: &str) -> (Option<String>, Option<String>, String) {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let is_scheme = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    };
    match url.split_once("://") {
        Some((scheme, rest)) if is_scheme(scheme) => {
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            let (authority, tail) = rest.split_at(end);
            let path_with_query = if tail.starts_with('/') {
                tail.to_owned()
            } else {
                format!("/{tail}")
            };
            (
                Some(scheme.to_ascii_lowercase()),
                Some(authority.to_owned()),
                path_with_query,
            )
        }
        _ => (None, None, url.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn splits_absolute_urls() {
        let req = Request::get("HTTP://127.0.0.1:8080/a/b?x=1#frag");
        assert_eq!(req.scheme.as_deref(), Some("http"));
        assert_eq!(req.authority.as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(req.path_with_query, "/a/b?x=1");
        assert_eq!(req.path(), "/a/b");
        assert_eq!(req.query(), "x=1");
        assert_eq!(req.url(), "http://127.0.0.1:8080/a/b?x=1");

        let bare = Request::get("https://example.com");
        assert_eq!(bare.path_with_query, "/");
        assert_eq!(Request::get("http://h?q").path_with_query, "/?q");

        let path = Request::new("patch", "/only/path");
        assert_eq!(path.method, "PATCH");
        assert_eq!(path.scheme, None);
        assert_eq!(path.authority, None);
        assert_eq!(path.url(), "/only/path");
        assert_eq!(path.query(), "");
        assert_eq!(Request::new("PURGE", "/").method, "PURGE");
    }

    #[test]
    fn decodes_query_params() {
        let req =
            Request::get("/api/fetch?url=http%3A%2F%2F127.0.0.1%3A9%2Fx%3Fa%3Db&q=a+b&flag&q=2");
        assert_eq!(
            req.query_param("url").as_deref(),
            Some("http://127.0.0.1:9/x?a=b")
        );
        assert_eq!(req.query_param("q").as_deref(), Some("a b"));
        assert_eq!(req.query_param("flag").as_deref(), Some(""));
        assert_eq!(req.query_param("missing"), None);
        assert_eq!(req.query_params().len(), 4);
    }

    #[test]
    fn reads_request_bodies() {
        let req = Request::post("/x").with_json(&json!({ "a": 1 })).unwrap();
        assert_eq!(req.header("Content-Type"), Some("application/json"));
        assert_eq!(req.json::<Value>().unwrap(), json!({ "a": 1 }));
        assert_eq!(req.text().unwrap(), r#"{"a":1}"#);
        let bad = Request::post("/x").with_body(vec![0xff]);
        assert!(
            bad.text()
                .unwrap_err()
                .as_str()
                .starts_with("body is not UTF-8")
        );
        assert!(bad.json::<Value>().is_err());
    }

    #[test]
    fn builds_responses() {
        let res = Response::json(&json!({ "ok": true }))
            .with_status(201)
            .with_header("Content-Type", "application/problem+json");
        assert_eq!(res.status, 201);
        assert_eq!(res.headers.len(), 1);
        assert_eq!(res.header("content-type"), Some("application/problem+json"));
        assert_eq!(res.body.json::<Value>().unwrap(), json!({ "ok": true }));

        let text = Response::text("hi");
        assert_eq!(
            text.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(text.body.as_bytes(), b"hi");

        let stream = Response::stream(|_| Ok(()));
        assert!(stream.body.is_stream());
        assert!(stream.body.as_bytes().is_empty());
    }

    #[test]
    fn errors_become_500_with_json() {
        let ok: Result<Response, String> = Ok(Response::new(204));
        assert_eq!(ok.into_response().status, 204);
        let err: Result<Response, &str> = Err("no such user");
        let res = err.into_response();
        assert_eq!(res.status, 500);
        assert_eq!(res.header("content-type"), Some("application/json"));
        assert_eq!(
            res.body.json::<Value>().unwrap(),
            json!({ "error": "no such user" })
        );
        let bad = Response::error(400, Error::from("nope"));
        assert_eq!(bad.status, 400);
        assert_eq!(bad.body.text().unwrap(), r#"{"error":"nope"}"#);
    }
}
