//! Built-in JWT authentication, for apps without an `authenticate`
//! component: HS256 with a shared secret, or RS256 with a public key (PEM)
//! or a JWKS file.
//!
//! The token is read from `Authorization: Bearer`, then the `token` query
//! parameter, then a cookie (`token` unless configured). `sub` becomes the
//! user id and every other claim goes into the user's claims. Tokens must
//! carry `exp`; expired tokens, bad signatures and any algorithm but the
//! configured one (including `none`) are refused.

use crate::runtime::bindings::types::{HttpRequest, User};
use anyhow::Context;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::{Map, Value};

/// Where the verification key comes from.
#[derive(Debug, Clone)]
pub enum JwtKey {
    /// HS256 with this shared secret.
    Secret(Vec<u8>),
    /// RS256 with this PEM public key.
    PublicKeyPem(Vec<u8>),
    /// RS256 with the keys of this JWKS document, chosen by `kid`.
    Jwks(String),
}

/// Settings of the built-in JWT authentication.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub key: JwtKey,
    /// The cookie that may carry the token.
    pub cookie: String,
    /// Accept connections without a token as anonymous instead of
    /// refusing them.
    pub allow_anonymous: bool,
}

/// Checks tokens against the configured key.
pub struct JwtVerifier {
    keys: Vec<(Option<String>, DecodingKey)>,
    algorithm: Algorithm,
    cookie: String,
    allow_anonymous: bool,
}

impl JwtVerifier {
    /// Parses the key material; a bad key fails here, at startup.
    pub fn new(config: &JwtConfig) -> anyhow::Result<JwtVerifier> {
        let (algorithm, keys) = match &config.key {
            JwtKey::Secret(secret) => {
                anyhow::ensure!(!secret.is_empty(), "the JWT secret is empty");
                (
                    Algorithm::HS256,
                    vec![(None, DecodingKey::from_secret(secret))],
                )
            }
            JwtKey::PublicKeyPem(pem) => {
                let key = DecodingKey::from_rsa_pem(pem).context("reading the RSA public key")?;
                (Algorithm::RS256, vec![(None, key)])
            }
            JwtKey::Jwks(json) => {
                let set: JwkSet = serde_json::from_str(json).context("reading the JWKS")?;
                let keys = set
                    .keys
                    .iter()
                    .map(|jwk| Ok((jwk.common.key_id.clone(), DecodingKey::from_jwk(jwk)?)))
                    .collect::<anyhow::Result<Vec<_>>>()
                    .context("reading a key of the JWKS")?;
                anyhow::ensure!(!keys.is_empty(), "the JWKS has no keys");
                (Algorithm::RS256, keys)
            }
        };
        Ok(JwtVerifier {
            keys,
            algorithm,
            cookie: config.cookie.clone(),
            allow_anonymous: config.allow_anonymous,
        })
    }

    /// The user the request's token names; `Ok(None)` for no token when
    /// anonymous connections are allowed. `Err` is the reason to refuse.
    pub fn authenticate(&self, req: &HttpRequest) -> Result<Option<User>, String> {
        let Some(token) = self.token(req) else {
            return match self.allow_anonymous {
                true => Ok(None),
                false => Err("a token is required".into()),
            };
        };
        let claims = self.verify(token)?;
        user_from(claims).map(Some)
    }

    fn token<'a>(&self, req: &'a HttpRequest) -> Option<&'a str> {
        let find = |pairs: &'a [(String, String)], name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let bearer = find(&req.headers, "authorization").and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
        bearer
            .or_else(|| find(&req.query_params, "token"))
            .or_else(|| find(&req.cookies, &self.cookie))
            .filter(|token| !token.is_empty())
    }

    fn verify(&self, token: &str) -> Result<Map<String, Value>, String> {
        let header = decode_header(token).map_err(|err| match unsigned(token) {
            true => "unsigned tokens (alg none) are refused".to_owned(),
            false => format!("malformed token: {err}"),
        })?;
        if header.alg != self.algorithm {
            return Err(format!("token algorithm {:?} is not accepted", header.alg));
        }
        let key = match (&header.kid, self.keys.as_slice()) {
            (_, [(_, key)]) => key,
            (Some(kid), keys) => keys
                .iter()
                .find(|(id, _)| id.as_deref() == Some(kid))
                .map(|(_, key)| key)
                .ok_or_else(|| format!("no key with kid {kid:?}"))?,
            (None, _) => return Err("token has no kid to choose a key".into()),
        };
        let mut validation = Validation::new(self.algorithm);
        validation.validate_aud = false;
        decode::<Map<String, Value>>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|err| match err.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => "token expired".to_owned(),
                jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                    "bad token signature".to_owned()
                }
                _ => format!("invalid token: {err}"),
            })
    }
}

/// True if the token's header says `"alg": "none"`.
fn unsigned(token: &str) -> bool {
    use base64::Engine;
    let Some(header) = token.split('.').next() else {
        return false;
    };
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header) else {
        return false;
    };
    serde_json::from_slice::<Value>(&bytes).is_ok_and(|h| {
        h["alg"]
            .as_str()
            .is_some_and(|alg| alg.eq_ignore_ascii_case("none"))
    })
}

fn user_from(mut claims: Map<String, Value>) -> Result<User, String> {
    let Some(Value::String(id)) = claims.remove("sub") else {
        return Err("token has no `sub` claim".into());
    };
    Ok(User {
        id,
        claims: (!claims.is_empty()).then(|| Value::Object(claims).to_string()),
    })
}
