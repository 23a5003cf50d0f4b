//! Built-in JWT authentication, for apps without an `authenticate`
//! component: HS256 with a shared secret, or RS256 with a public key
//! (PEM), a JWKS file or a JWKS URL. JWKS keys rotate while serving
//! ([`rotation`]).
//!
//! The token is read from `Authorization: Bearer`, then the `token` query
//! parameter, then a cookie (`token` unless configured). `sub` becomes the
//! user id and every other claim (`exp` included) goes into the user's
//! claims; `exp` also becomes the user's `expires-at`, when the connection
//! is closed. Tokens must carry `exp`; `exp` and `nbf` are checked with the
//! configured leeway (0 by default), `aud` and `iss` when configured.
//! Expired tokens, bad signatures and any algorithm but the configured one
//! (including `none`) are refused.

mod fetch;
mod keys;
mod rotation;

pub use fetch::FetchError;
pub use keys::{KID_REFETCH_INTERVAL, KeyError};

use crate::runtime::bindings::types::{HttpRequest, User};
use fetch::Fetcher;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use keys::{KeySet, Keys, Remote};
use rotation::Rotation;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// Where the verification key comes from.
#[derive(Debug, Clone)]
pub enum JwtKey {
    /// HS256 with this shared secret.
    Secret(Vec<u8>),
    /// RS256 with this PEM public key.
    PublicKeyPem(Vec<u8>),
    /// RS256 with the keys of this JWKS file, chosen by `kid`; re-read
    /// when it changes.
    JwksFile(PathBuf),
    /// RS256 with the keys of the JWKS at this URL, chosen by `kid`.
    JwksUrl(String),
}

/// Settings of the built-in JWT authentication, with the key read.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub key: JwtKey,
    /// The cookie that may carry the token.
    pub cookie: String,
    /// Accept connections without a token as anonymous instead of
    /// refusing them.
    pub allow_anonymous: bool,
    /// Seconds of clock skew allowed on `exp` and `nbf`.
    pub leeway: u64,
    /// When not empty, `aud` must name one of these.
    pub audience: Vec<String>,
    /// When not empty, `iss` must be one of these.
    pub issuer: Vec<String>,
}

impl JwtConfig {
    /// Reads the PEM file the settings name; `None` when no key is set.
    pub fn from_settings(jwt: &crate::settings::Jwt) -> Result<Option<JwtConfig>, KeyError> {
        let key = if let Some(secret) = &jwt.secret {
            JwtKey::Secret(secret.clone().into_bytes())
        } else if let Some(path) = &jwt.public_key {
            JwtKey::PublicKeyPem(std::fs::read(path).map_err(|source| KeyError::Read {
                path: path.clone(),
                source,
            })?)
        } else if let Some(path) = &jwt.jwks {
            JwtKey::JwksFile(path.clone())
        } else if let Some(url) = &jwt.jwks_url {
            JwtKey::JwksUrl(url.clone())
        } else {
            return Ok(None);
        };
        Ok(Some(JwtConfig {
            key,
            cookie: jwt.cookie.clone(),
            allow_anonymous: jwt.allow_anonymous,
            leeway: jwt.leeway,
            audience: jwt.audience.clone(),
            issuer: jwt.issuer.clone(),
        }))
    }
}

/// Checks tokens against the configured keys and claims. Built once by
/// the server and held in its services; a JWKS file or URL keeps
/// rotating its keys for as long as the verifier lives.
pub struct JwtVerifier {
    keys: Arc<Keys>,
    validation: Validation,
    cookie: String,
    allow_anonymous: bool,
    _rotation: Option<Rotation>,
}

impl JwtVerifier {
    /// Reads or fetches the keys and starts rotating them; a bad key, an
    /// unreadable JWKS or a JWKS URL that cannot be fetched fails here, at
    /// startup.
    pub async fn new(config: &JwtConfig) -> Result<JwtVerifier, KeyError> {
        let (algorithm, keys, rotation) = match &config.key {
            JwtKey::Secret(secret) => {
                if secret.is_empty() {
                    return Err(KeyError::EmptySecret);
                }
                let keys = Keys::new(KeySet::single(DecodingKey::from_secret(secret)), None);
                (Algorithm::HS256, Arc::new(keys), None)
            }
            JwtKey::PublicKeyPem(pem) => {
                let key = DecodingKey::from_rsa_pem(pem).map_err(KeyError::Pem)?;
                (
                    Algorithm::RS256,
                    Arc::new(Keys::new(KeySet::single(key), None)),
                    None,
                )
            }
            JwtKey::JwksFile(path) => {
                let keys = Arc::new(Keys::new(KeySet::read_jwks(path)?, None));
                let rotation =
                    rotation::watch_file(path.clone(), keys.clone()).map_err(|source| {
                        KeyError::Watch {
                            path: path.clone(),
                            source,
                        }
                    })?;
                (Algorithm::RS256, keys, Some(rotation))
            }
            JwtKey::JwksUrl(url) => {
                let fetcher = Fetcher::new(url)?;
                let (set, max_age) = fetcher.jwks(url).await?;
                tracing::info!(%url, ?max_age, "JWKS fetched");
                let keys = Arc::new(Keys::new(set, Some(Remote::new(url.clone(), fetcher))));
                let rotation = rotation::refresh_url(keys.clone(), max_age);
                (Algorithm::RS256, keys, Some(rotation))
            }
        };
        Ok(JwtVerifier {
            keys,
            validation: validation(algorithm, config),
            cookie: config.cookie.clone(),
            allow_anonymous: config.allow_anonymous,
            _rotation: rotation,
        })
    }

    /// The user the request's token names; `Ok(None)` for no token when
    /// anonymous connections are allowed. `Err` is the reason to refuse.
    /// The token's `exp` stays in the user's claims.
    pub async fn authenticate(&self, req: &HttpRequest) -> Result<Option<User>, String> {
        let Some(token) = self.token(req) else {
            return match self.allow_anonymous {
                true => Ok(None),
                false => Err("a token is required".into()),
            };
        };
        let claims = self.verify(token).await?;
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

    async fn verify(&self, token: &str) -> Result<Map<String, Value>, String> {
        let header = decode_header(token).map_err(|err| match unsigned(token) {
            true => "unsigned tokens (alg none) are refused".to_owned(),
            false => format!("malformed token: {err}"),
        })?;
        let algorithm = self.validation.algorithms[0];
        if header.alg != algorithm {
            return Err(format!("token algorithm {:?} is not accepted", header.alg));
        }
        let key = self.keys.find(header.kid.as_deref()).await?;
        decode::<Map<String, Value>>(token, &key, &self.validation)
            .map(|data| data.claims)
            .map_err(|err| refusal(&err))
    }
}

/// What every token must pass: `exp` always, `nbf` when present, with the
/// leeway; `aud` and `iss` required and checked when configured.
fn validation(algorithm: Algorithm, config: &JwtConfig) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.leeway = config.leeway;
    validation.validate_nbf = true;
    let mut required = vec!["exp"];
    validation.validate_aud = !config.audience.is_empty();
    if validation.validate_aud {
        validation.set_audience(&config.audience);
        required.push("aud");
    }
    if !config.issuer.is_empty() {
        validation.set_issuer(&config.issuer);
        required.push("iss");
    }
    validation.set_required_spec_claims(&required);
    validation
}

/// The reason given to a client for a token `decode` refused.
fn refusal(err: &jsonwebtoken::errors::Error) -> String {
    match err.kind() {
        ErrorKind::ExpiredSignature => "token expired".to_owned(),
        ErrorKind::ImmatureSignature => "token not valid yet (nbf)".to_owned(),
        ErrorKind::InvalidSignature => "bad token signature".to_owned(),
        ErrorKind::MissingRequiredClaim(claim) => format!("token has no `{claim}` claim"),
        ErrorKind::InvalidAudience => "token `aud` is not accepted".to_owned(),
        ErrorKind::InvalidIssuer => "token `iss` is not accepted".to_owned(),
        _ => format!("invalid token: {err}"),
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
    // `decode` has checked that `exp` is a number; a fraction rounds down.
    let expires_at = claims.get("exp").and_then(|exp| {
        exp.as_u64()
            .or_else(|| exp.as_f64().map(|secs| secs as u64))
    });
    Ok(User {
        id,
        claims: (!claims.is_empty()).then(|| Value::Object(claims).to_string()),
        expires_at,
    })
}

#[cfg(test)]
mod user_tests {
    use super::*;
    use serde_json::json;

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn exp_becomes_expires_at() {
        let user = user_from(claims(json!({"sub": "ann", "exp": 1_700_000_000}))).unwrap();
        assert_eq!(
            (user.id.as_str(), user.expires_at),
            ("ann", Some(1_700_000_000))
        );
        let user = user_from(claims(json!({"sub": "ann", "exp": 1_700_000_000.75}))).unwrap();
        assert_eq!(user.expires_at, Some(1_700_000_000));
    }
}
