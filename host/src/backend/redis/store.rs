//! The `store` import on the cluster's Redis: string values and string
//! sets, shared by every node. Each key is `P:{store}:k:KEY`; beside them
//! `P:{store}:sizes` holds each entry's bytes and `P:{store}:usage` the
//! totals, updated with the entry in one Lua script (all under the hash
//! tag `{store}`, so one slot). The limits are checked above, by
//! `LimitedStore`, as for every backend; two nodes writing at the same
//! moment can pass a cap by what one write adds.

use super::keys::Keys;
use crate::backend::{AppStore, BackendError, EntrySize, StoreError, Usage};
use async_trait::async_trait;
use redis::Script;
use redis::aio::ConnectionManager;
use std::sync::LazyLock;

/// The error a script raises for a key of the other kind.
const WRONG_KIND: &str = "WRONGKIND";

/// KEYS entry, sizes, usage; ARGV key, value.
static SET: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('TYPE', KEYS[1]).ok == 'set' then return redis.error_reply('WRONGKIND') end
local old = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '-1')
local new = string.len(ARGV[1]) + string.len(ARGV[2])
redis.call('SET', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], new)
if old < 0 then
  redis.call('HINCRBY', KEYS[3], 'keys', 1)
  old = 0
end
redis.call('HINCRBY', KEYS[3], 'bytes', new - old)
return 1
"#,
    )
});

/// KEYS entry, sizes, usage; ARGV key.
static DELETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
local old = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], 'keys', -1)
redis.call('HINCRBY', KEYS[3], 'bytes', -old)
return 1
"#,
    )
});

/// KEYS entry, sizes, usage; ARGV key, member.
static SET_ADD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('TYPE', KEYS[1]).ok == 'string' then return redis.error_reply('WRONGKIND') end
if redis.call('SADD', KEYS[1], ARGV[2]) == 0 then return 0 end
local old = redis.call('HGET', KEYS[2], ARGV[1])
local grow = string.len(ARGV[2])
if not old then
  grow = grow + string.len(ARGV[1])
  redis.call('HINCRBY', KEYS[3], 'keys', 1)
end
redis.call('HINCRBY', KEYS[2], ARGV[1], grow)
redis.call('HINCRBY', KEYS[3], 'bytes', grow)
return 1
"#,
    )
});

/// KEYS entry, sizes, usage; ARGV key, member.
static SET_REMOVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('TYPE', KEYS[1]).ok ~= 'set' then return 0 end
if redis.call('SREM', KEYS[1], ARGV[2]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[1]) == 0 then
  local old = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HINCRBY', KEYS[3], 'keys', -1)
  redis.call('HINCRBY', KEYS[3], 'bytes', -old)
else
  redis.call('HINCRBY', KEYS[2], ARGV[1], -string.len(ARGV[2]))
  redis.call('HINCRBY', KEYS[3], 'bytes', -string.len(ARGV[2]))
end
return 1
"#,
    )
});

/// The cluster's shared store.
pub struct RedisStore {
    keys: Keys,
    url: String,
    conn: ConnectionManager,
}

impl RedisStore {
    pub(super) fn new(keys: Keys, url: String, conn: ConnectionManager) -> RedisStore {
        RedisStore { keys, url, conn }
    }

    fn error(&self, err: redis::RedisError) -> BackendError {
        BackendError(format!("store: cannot reach Redis at {}: {err}", self.url))
    }

    /// Runs one of the scripts on `key`.
    async fn run(
        &self,
        script: &Script,
        key: &str,
        member: Option<&str>,
    ) -> redis::RedisResult<i64> {
        let mut invocation = script.key(self.keys.store_entry(key));
        invocation
            .key(self.keys.store_sizes())
            .key(self.keys.store_usage())
            .arg(key);
        if let Some(member) = member {
            invocation.arg(member);
        }
        invocation.invoke_async(&mut self.conn.clone()).await
    }

    fn kind_error(&self, err: redis::RedisError) -> StoreError {
        match err.to_string().contains(WRONG_KIND) {
            true => StoreError::WrongKind,
            false => self.error(err).into(),
        }
    }
}

#[async_trait]
impl AppStore for RedisStore {
    async fn get(&self, key: &str) -> Result<Option<String>, BackendError> {
        let value: redis::RedisResult<Option<String>> = redis::cmd("GET")
            .arg(self.keys.store_entry(key))
            .query_async(&mut self.conn.clone())
            .await;
        match value {
            // A set under the key: there is no value.
            Err(err) if err.code() == Some("WRONGTYPE") => Ok(None),
            other => other.map_err(|err| self.error(err)),
        }
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        (self.run(&SET, key, Some(value)).await)
            .map(drop)
            .map_err(|err| self.kind_error(err))
    }

    async fn delete(&self, key: &str) -> Result<bool, BackendError> {
        (self.run(&DELETE, key, None).await)
            .map(|deleted| deleted == 1)
            .map_err(|err| self.error(err))
    }

    async fn set_add(&self, key: &str, member: &str) -> Result<bool, StoreError> {
        (self.run(&SET_ADD, key, Some(member)).await)
            .map(|added| added == 1)
            .map_err(|err| self.kind_error(err))
    }

    async fn set_remove(&self, key: &str, member: &str) -> Result<bool, BackendError> {
        (self.run(&SET_REMOVE, key, Some(member)).await)
            .map(|removed| removed == 1)
            .map_err(|err| self.error(err))
    }

    async fn set_members(&self, key: &str) -> Result<Vec<String>, BackendError> {
        let members: redis::RedisResult<Vec<String>> = redis::cmd("SMEMBERS")
            .arg(self.keys.store_entry(key))
            .query_async(&mut self.conn.clone())
            .await;
        match members {
            Err(err) if err.code() == Some("WRONGTYPE") => Ok(Vec::new()),
            other => other
                .map(|mut members| {
                    members.sort();
                    members
                })
                .map_err(|err| self.error(err)),
        }
    }

    async fn entry_size(&self, key: &str) -> Result<EntrySize, BackendError> {
        let entry = self.keys.store_entry(key);
        let mut conn = self.conn.clone();
        let (kind, bytes): (String, Option<u64>) = redis::pipe()
            .cmd("TYPE")
            .arg(&entry)
            .hget(self.keys.store_sizes(), key)
            .query_async(&mut conn)
            .await
            .map_err(|err| self.error(err))?;
        let members = match kind.as_str() {
            "none" => return Ok(EntrySize::default()),
            "set" => redis::cmd("SCARD")
                .arg(&entry)
                .query_async(&mut conn)
                .await
                .map_err(|err| self.error(err))?,
            _ => 0,
        };
        Ok(EntrySize {
            exists: true,
            bytes: bytes.unwrap_or(0),
            members,
        })
    }

    async fn usage(&self) -> Result<Usage, BackendError> {
        let (keys, bytes): (Option<u64>, Option<u64>) = redis::cmd("HMGET")
            .arg(self.keys.store_usage())
            .arg("keys")
            .arg("bytes")
            .query_async(&mut self.conn.clone())
            .await
            .map_err(|err| self.error(err))?;
        Ok(Usage {
            keys: keys.unwrap_or(0),
            bytes: bytes.unwrap_or(0),
        })
    }
}
