//! On-disk cache of compiled components.
//!
//! Entries are keyed by the component's content hash and the engine's
//! compatibility hash, and carry a hash of their own bytes, so a corrupted
//! or stale entry is discarded and rebuilt rather than trusted. Only this
//! host writes entries; it never loads precompiled code from elsewhere.

use sha2::{Digest, Sha256};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

pub struct CompileCache {
    dir: PathBuf,
    engine_hash: String,
}

/// Where a component came from, for logs and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Compiled,
    Cached,
}

impl CompileCache {
    pub fn new(dir: PathBuf, engine: &Engine) -> Self {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        CompileCache {
            dir,
            engine_hash: format!("{:016x}", hasher.finish()),
        }
    }

    fn entry(&self, content_hash: &str) -> PathBuf {
        self.dir
            .join(format!("{content_hash}-{}.cwasm", self.engine_hash))
    }

    /// Loads a cached compilation, or compiles and stores one.
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        wasm: &[u8],
        content_hash: &str,
    ) -> wasmtime::Result<(Component, Origin)> {
        let path = self.entry(content_hash);
        if let Some(component) = self.read(engine, &path) {
            return Ok((component, Origin::Cached));
        }
        let component = Component::new(engine, wasm)?;
        if let Err(err) = self.write(&path, &component) {
            tracing::warn!(path = %path.display(), "cannot write compile cache: {err}");
        }
        Ok((component, Origin::Compiled))
    }

    fn read(&self, engine: &Engine, path: &Path) -> Option<Component> {
        let bytes = std::fs::read(path).ok()?;
        let Some((code, checksum)) = bytes.split_last_chunk::<32>() else {
            return self.discard(path, "too short");
        };
        if Sha256::digest(code).as_slice() != checksum {
            return self.discard(path, "checksum mismatch");
        }
        // SAFETY: the bytes were produced by `Component::serialize` of this
        // host (only it writes this directory's entries) and their checksum
        // matches, so they are what was written.
        match unsafe { Component::deserialize(engine, code) } {
            Ok(component) => Some(component),
            Err(err) => self.discard(path, &err.to_string()),
        }
    }

    fn discard(&self, path: &Path, reason: &str) -> Option<Component> {
        tracing::warn!(path = %path.display(), "discarding compile cache entry: {reason}");
        let _ = std::fs::remove_file(path);
        None
    }

    fn write(&self, path: &Path, component: &Component) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let mut bytes = component.serialize()?;
        let checksum = Sha256::digest(&bytes);
        bytes.extend_from_slice(&checksum);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, &bytes)?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}

/// Hex SHA-256 of a component's bytes.
pub fn content_hash(wasm: &[u8]) -> String {
    hex::encode(Sha256::digest(wasm))
}
