//! Typed forms of the WIT records a handler receives and sends.

use crate::wit::types as wit;
use serde_json::Value;
use std::collections::BTreeMap;

/// A message payload, decoded according to the handler's `data` option.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    Json(Value),
    Text(String),
    Binary(Vec<u8>),
}

/// One message routed to this handler.
#[derive(Debug, Clone)]
pub struct Request {
    /// The connection that sent the message.
    pub connection: String,
    pub data: Data,
    /// Unique for every message.
    pub request_id: String,
    /// The connection's user; `None` when anonymous.
    pub user: Option<User>,
    /// Values of the route's `[param]` folders.
    pub params: BTreeMap<String, String>,
}

impl Request {
    /// The JSON payload, or `Value::Null` for text and binary data.
    pub fn json(&self) -> &Value {
        match &self.data {
            Data::Json(value) => value,
            _ => &Value::Null,
        }
    }

    /// One route parameter by name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    pub(crate) fn from_wit(req: wit::Request) -> Self {
        Request {
            connection: req.connection,
            data: data_from_wit(req.data),
            request_id: req.request_id,
            user: req.user.map(User::from_wit),
            params: req.params.into_iter().collect(),
        }
    }
}

pub(crate) fn data_from_wit(data: wit::Data) -> Data {
    match data {
        // The host only passes JSON it has parsed, so this cannot fail
        // unless the host is broken; keep the text rather than panic.
        wit::Data::Json(text) => serde_json::from_str(&text).map_or(Data::Text(text), Data::Json),
        wit::Data::Text(text) => Data::Text(text),
        wit::Data::Binary(bytes) => Data::Binary(bytes),
    }
}

/// An authenticated user.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: String,
    /// Anything else known about the user, as a JSON value.
    pub claims: Option<Value>,
    /// When the user's credentials expire, in Unix seconds; the server
    /// closes the connection then, with close code 4001.
    pub expires_at: Option<u64>,
}

impl User {
    pub fn new(id: impl Into<String>) -> Self {
        User {
            id: id.into(),
            claims: None,
            expires_at: None,
        }
    }

    pub fn with_claims(mut self, claims: Value) -> Self {
        self.claims = Some(claims);
        self
    }

    /// Closes the user's connection at `unix_seconds`, with 4001:
    /// `User::new("ann").expires_at(token.exp)`.
    pub fn expires_at(mut self, unix_seconds: u64) -> Self {
        self.expires_at = Some(unix_seconds);
        self
    }

    pub(crate) fn from_wit(user: wit::User) -> Self {
        User {
            id: user.id,
            claims: user.claims.and_then(|c| serde_json::from_str(&c).ok()),
            expires_at: user.expires_at,
        }
    }

    pub(crate) fn into_wit(self) -> wit::User {
        wit::User {
            id: self.id,
            claims: self.claims.map(|c| c.to_string()),
            expires_at: self.expires_at,
        }
    }
}

/// The HTTP request that asked to open a WebSocket.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    pub query_params: Vec<(String, String)>,
    /// Names are lower case.
    pub headers: Vec<(String, String)>,
    pub cookies: Vec<(String, String)>,
}

impl HttpRequest {
    /// The first header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        lookup(&self.headers, &name.to_ascii_lowercase())
    }

    /// The first query parameter with this name.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        lookup(&self.query_params, name)
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        lookup(&self.cookies, name)
    }

    /// The token of an `Authorization: Bearer` header.
    pub fn bearer_token(&self) -> Option<&str> {
        let value = self.header("authorization")?;
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    }

    pub(crate) fn from_wit(req: wit::HttpRequest) -> Self {
        HttpRequest {
            method: req.method,
            path: req.path,
            query: req.query,
            query_params: req.query_params,
            headers: req.headers,
            cookies: req.cookies,
        }
    }
}

fn lookup<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// Something a handler sends: JSON, text or bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Message(Data);

impl Message {
    pub(crate) fn into_wit(self) -> wit::Data {
        match self.0 {
            Data::Json(value) => wit::Data::Json(value.to_string()),
            Data::Text(text) => wit::Data::Text(text),
            Data::Binary(bytes) => wit::Data::Binary(bytes),
        }
    }
}

impl From<Data> for Message {
    fn from(data: Data) -> Self {
        Message(data)
    }
}

impl From<Value> for Message {
    fn from(value: Value) -> Self {
        Message(Data::Json(value))
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message(Data::Text(text))
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message(Data::Text(text.to_owned()))
    }
}

impl From<Vec<u8>> for Message {
    fn from(bytes: Vec<u8>) -> Self {
        Message(Data::Binary(bytes))
    }
}

impl From<&[u8]> for Message {
    fn from(bytes: &[u8]) -> Self {
        Message(Data::Binary(bytes.to_vec()))
    }
}
