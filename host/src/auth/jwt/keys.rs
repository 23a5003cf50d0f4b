//! The verification keys, swappable while serving: a JWKS file or URL
//! rotates them without a restart ([`super::rotation`]), and a token that
//! names an unknown `kid` may trigger one refetch of the URL.

use super::fetch::{FetchError, Fetcher};
use arc_swap::ArcSwap;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{JwkSet, PublicKeyUse};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Least time between two refetches of `--jwks-url` for unknown `kid`s.
pub const KID_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// Why keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot watch {}: {source}", path.display())]
    Watch {
        path: PathBuf,
        source: notify::Error,
    },
    #[error("the JWT secret is empty")]
    EmptySecret,
    #[error("reading the JWKS: {0}")]
    Jwks(String),
    #[error("the JWKS has no usable signing key")]
    NoKeys,
    #[error("reading the RSA public key: {0}")]
    Pem(jsonwebtoken::errors::Error),
    #[error(transparent)]
    Fetch(#[from] FetchError),
}

/// One generation of keys, each with its `kid` if it has one.
pub struct KeySet(Vec<(Option<String>, DecodingKey)>);

impl KeySet {
    pub fn single(key: DecodingKey) -> KeySet {
        KeySet(vec![(None, key)])
    }

    /// The signing keys of a JWKS document. Keys marked for encryption or
    /// of a kind this build cannot use are skipped, with a warning.
    pub fn from_jwks(json: &[u8]) -> Result<KeySet, KeyError> {
        let set: JwkSet =
            serde_json::from_slice(json).map_err(|err| KeyError::Jwks(err.to_string()))?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            let kid = jwk.common.key_id.clone();
            if jwk.common.public_key_use == Some(PublicKeyUse::Encryption) {
                continue;
            }
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => keys.push((kid, key)),
                Err(err) => tracing::warn!(?kid, "skipping a key of the JWKS: {err}"),
            }
        }
        match keys.is_empty() {
            true => Err(KeyError::NoKeys),
            false => Ok(KeySet(keys)),
        }
    }

    pub fn read_jwks(path: &Path) -> Result<KeySet, KeyError> {
        let bytes = std::fs::read(path).map_err(|source| KeyError::Read {
            path: path.to_owned(),
            source,
        })?;
        KeySet::from_jwks(&bytes)
    }

    /// The key for a token's `kid`: the one with that id, else the only
    /// key when it has no id of its own.
    fn pick(&self, kid: Option<&str>) -> Result<&DecodingKey, Missing> {
        if let [(None, key)] = self.0.as_slice() {
            return Ok(key);
        }
        match kid {
            Some(kid) => self
                .0
                .iter()
                .find(|(id, _)| id.as_deref() == Some(kid))
                .map(|(_, key)| key)
                .ok_or(Missing::Unknown),
            None if self.0.len() == 1 => Ok(&self.0[0].1),
            None => Err(Missing::NoKid),
        }
    }
}

enum Missing {
    Unknown,
    NoKid,
}

/// Where a JWKS is fetched from, and when a `kid` last made it refetch.
pub struct Remote {
    pub url: String,
    pub fetcher: Fetcher,
    kid_refetched: Mutex<Option<Instant>>,
}

impl Remote {
    pub fn new(url: String, fetcher: Fetcher) -> Remote {
        Remote {
            url,
            fetcher,
            kid_refetched: Mutex::new(None),
        }
    }
}

/// The current keys; held by the verifier and by the task that rotates
/// them.
pub struct Keys {
    current: ArcSwap<KeySet>,
    remote: Option<Remote>,
}

impl Keys {
    pub fn new(keys: KeySet, remote: Option<Remote>) -> Keys {
        Keys {
            current: ArcSwap::from_pointee(keys),
            remote,
        }
    }

    pub fn remote(&self) -> Option<&Remote> {
        self.remote.as_ref()
    }

    pub fn store(&self, keys: KeySet) {
        self.current.store(Arc::new(keys));
    }

    /// The key that should have signed a token with this `kid`. An
    /// unknown `kid` refetches the JWKS URL, at most once per
    /// [`KID_REFETCH_INTERVAL`]. `Err` is the reason to refuse.
    pub async fn find(&self, kid: Option<&str>) -> Result<DecodingKey, String> {
        match self.current.load().pick(kid) {
            Ok(key) => return Ok(key.clone()),
            Err(Missing::NoKid) => return Err("token has no kid to choose a key".into()),
            Err(Missing::Unknown) => {}
        }
        let unknown = || format!("no key with kid {:?}", kid.unwrap_or_default());
        let Some(remote) = &self.remote else {
            return Err(unknown());
        };
        // One refetch at a time; those who waited look at its result.
        let mut last = remote.kid_refetched.lock().await;
        if let Ok(key) = self.current.load().pick(kid) {
            return Ok(key.clone());
        }
        if last.is_some_and(|at| at.elapsed() < KID_REFETCH_INTERVAL) {
            return Err(unknown());
        }
        *last = Some(Instant::now());
        tracing::info!(url = %remote.url, ?kid, "refetching the JWKS for an unknown kid");
        match remote.fetcher.jwks(&remote.url).await {
            Ok((keys, _)) => self.store(keys),
            Err(err) => tracing::warn!("{err}; keeping the current keys"),
        }
        self.current
            .load()
            .pick(kid)
            .cloned()
            .map_err(|_| unknown())
    }
}
