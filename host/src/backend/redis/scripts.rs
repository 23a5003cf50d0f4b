//! The Lua scripts that change a user's presence atomically. Each takes
//! the user's two keys (`counts`, `conns`; one hash slot) and returns
//! `{transition, here}`: 1 when the user came online anywhere, -1 when
//! they went offline everywhere, 0 otherwise; and the user's connections
//! on this node afterwards.

use redis::Script;
use std::sync::LazyLock;

/// A connection opened: ARGV node, connection id, its info.
pub static JOIN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local before = 0
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do before = before + tonumber(v) end
local here = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
if before == 0 then return {1, here} end
return {0, here}
"#,
    )
});

/// A connection closed: ARGV node, connection id. A connection already
/// gone (its node was taken for dead) changes nothing.
pub static LEAVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('HDEL', KEYS[2], ARGV[2]) == 0 then
  return {0, tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')}
end
local here = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if here <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]); here = 0 end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2])
  return {-1, 0}
end
return {0, here}
"#,
    )
});

/// A node states the user's connections there in full: ARGV node, then
/// pairs of connection id and info (none: the user has none there). Used
/// to re-register after an outage or a partition, and, with no pairs, to
/// clean up after a dead node.
pub static REPLACE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local before = 0
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do before = before + tonumber(v) end
local mine = ARGV[1] .. '-'
local stale = {}
for _, id in ipairs(redis.call('HKEYS', KEYS[2])) do
  if string.sub(id, 1, string.len(mine)) == mine then table.insert(stale, id) end
end
if #stale > 0 then redis.call('HDEL', KEYS[2], unpack(stale)) end
local here = (#ARGV - 1) / 2
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
if here > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], here)
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
local after = 0
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do after = after + tonumber(v) end
if before == 0 and after > 0 then return {1, here} end
if before > 0 and after == 0 then
  redis.call('DEL', KEYS[2])
  return {-1, here}
end
return {0, here}
"#,
    )
});
