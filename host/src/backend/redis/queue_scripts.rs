//! The Lua scripts of the cluster's job queue (see `jobs`): each changes
//! one queue's keys, which share a hash tag, atomically.

use redis::Script;
use std::sync::LazyLock;

/// KEYS stream, delayed, seq, idem; ARGV now, run_at, max_depth, payload,
/// user, claims, idempotency window ms (0: no key), job key prefix, queue.
pub static PUSH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if ARGV[7] ~= '0' then
  local seen = redis.call('GET', KEYS[4])
  if seen then return {'dup', seen} end
end
redis.pcall('XGROUP', 'CREATE', KEYS[1], 'workers', '0', 'MKSTREAM')
local depth = redis.call('XLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
if depth >= tonumber(ARGV[3]) then return {'full', tostring(depth)} end
local id = ARGV[9] .. ':' .. redis.call('INCR', KEYS[3])
local key = ARGV[8] .. id
redis.call('HSET', key, 'payload', ARGV[4], 'attempt', 0)
if ARGV[5] ~= '' then redis.call('HSET', key, 'user', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', key, 'claims', ARGV[6]) end
if tonumber(ARGV[2]) > tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[2], ARGV[2], id)
else
  redis.call('XADD', KEYS[1], '*', 'id', id)
end
if ARGV[7] ~= '0' then redis.call('SET', KEYS[4], id, 'PX', ARGV[7]) end
return {'new', id}
"#,
    )
});

/// KEYS stream, delayed; ARGV now, max, consumer, lease ms, job key prefix.
/// Moves due delayed jobs onto the stream, claims jobs whose lease ran
/// out, reads new ones, and counts an attempt for each.
pub static LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
redis.pcall('XGROUP', 'CREATE', KEYS[1], 'workers', '0', 'MKSTREAM')
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, id in ipairs(due) do
  redis.call('XADD', KEYS[1], '*', 'id', id)
  redis.call('ZREM', KEYS[2], id)
end
local max = tonumber(ARGV[2])
local entries = {}
local claimed = redis.call('XAUTOCLAIM', KEYS[1], 'workers', ARGV[3], ARGV[4], '0-0', 'COUNT', max)
for _, e in ipairs(claimed[2]) do
  if e[2] then table.insert(entries, e) end
end
if #entries < max then
  local read = redis.call('XREADGROUP', 'GROUP', 'workers', ARGV[3], 'COUNT', max - #entries, 'STREAMS', KEYS[1], '>')
  if read then
    for _, e in ipairs(read[1][2]) do table.insert(entries, e) end
  end
end
local out = {}
for _, e in ipairs(entries) do
  local entry, id = e[1], e[2][2]
  local key = ARGV[5] .. id
  if redis.call('EXISTS', key) == 1 then
    local attempt = redis.call('HINCRBY', key, 'attempt', 1)
    redis.call('HSET', key, 'entry', entry)
    local job = redis.call('HMGET', key, 'payload', 'user', 'claims')
    table.insert(out, {id, job[1], job[2] or '', job[3] or '', attempt})
  else
    redis.call('XACK', KEYS[1], 'workers', entry)
    redis.call('XDEL', KEYS[1], entry)
  end
end
return out
"#,
    )
});

/// KEYS stream, delayed, dead; ARGV action, job key, id, time, error.
/// Settles a running job: `complete`, `retry` (due at the time), `bury`
/// (dead at the time), or `release` (due now, the attempt not counted).
pub static SETTLE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local entry = redis.call('HGET', ARGV[2], 'entry')
if not entry then return 0 end
redis.call('XACK', KEYS[1], 'workers', entry)
redis.call('XDEL', KEYS[1], entry)
redis.call('HDEL', ARGV[2], 'entry')
if ARGV[1] == 'complete' then
  redis.call('DEL', ARGV[2])
elseif ARGV[1] == 'retry' then
  redis.call('HSET', ARGV[2], 'error', ARGV[5])
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
elseif ARGV[1] == 'bury' then
  redis.call('HSET', ARGV[2], 'error', ARGV[5])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
else
  redis.call('HINCRBY', ARGV[2], 'attempt', -1)
  redis.call('XADD', KEYS[1], '*', 'id', ARGV[3])
end
return 1
"#,
    )
});

/// KEYS stream, dead; ARGV action (`requeue` or `drop`), job key, id.
pub static DEAD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('ZREM', KEYS[2], ARGV[3]) == 0 then return 0 end
if ARGV[1] == 'drop' then
  redis.call('DEL', ARGV[2])
else
  redis.call('HSET', ARGV[2], 'attempt', 0)
  redis.call('HDEL', ARGV[2], 'error')
  redis.call('XADD', KEYS[1], '*', 'id', ARGV[3])
end
return 1
"#,
    )
});

/// KEYS last, lock; ARGV tick, node, lock ms.
pub static CLAIM_TICK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local last = tonumber(redis.call('GET', KEYS[1]) or '-1')
if last >= tonumber(ARGV[1]) then return 0 end
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"#,
    )
});
