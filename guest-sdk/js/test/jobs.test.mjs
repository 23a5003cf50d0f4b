// Jobs, schedules and queue.push: src/glue.js and src/index.js bundled as
// the build bundles a component and run under Node against a fake host
// (test/host), plus the build's refusals that come before the engine.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runDriver, SDK } from "./driver.mjs";

const out = await runDriver("jobs-driver.js");

test("a job gets its id, parsed payload, user and attempt; a throw fails the run", () => {
  assert.deepEqual(out.jobConfig, { concurrency: 4, maxAttempts: 3, timeoutSeconds: null });
  assert.deepEqual(out.firstRun, { err: "attempt 1 failed" });
  assert.deepEqual(out.secondRun, { ok: null });
  assert.deepEqual(out.seen, {
    id: "j1",
    payload: { n: [1, 2], s: "é" },
    raw: '{"n":[1,2],"s":"é"}',
    user: { id: "ann", claims: { r: 1 }, expiresAt: null },
    attempt: 2,
    next: "job-2",
    contextAttempt: 2,
  });
  assert.match(out.badPayload.err, /^the job's payload is not JSON: /);
});

test("a job's run function may be `run`; its config is checked", () => {
  assert.deepEqual(out.namedConfig, { concurrency: null, maxAttempts: null, timeoutSeconds: null });
  assert.deepEqual(out.namedRun, { ok: null });
  assert.equal(out.named, null);
  const [both, none, zero, fraction, unknown] = out.jobErrors;
  assert.match(both, /both a default function and run/);
  assert.match(none, /must export its run function/);
  assert.match(zero, /config\.maxAttempts must be a positive whole number, not 0/);
  assert.match(fraction, /config\.timeout must be a whole number of seconds, not 1\.5/);
  assert.match(unknown, /config\.retries is not an option \(concurrency, maxAttempts, timeout\)/);
});

test("a schedule gets its tick; its config is required and checked", () => {
  assert.deepEqual(out.scheduleConfig, { cron: "0 9 * * 1-5", timezone: "Europe/Paris", timeoutSeconds: 30 });
  assert.deepEqual(out.tick, { scheduledAt: 1764662400000, catchUp: true });
  assert.deepEqual(out.tickRun, { err: "no luck" });
  assert.deepEqual(out.scheduleDefaults, { cron: "*/5 * * * * *", timezone: null, timeoutSeconds: null });
  const [missing, fields, notString, zone] = out.scheduleErrors;
  assert.match(missing, /a schedule must declare when it runs: export const config = \{ cron:/);
  assert.match(fields, /config\.cron must have 5 fields .* or 6 .*not 4/);
  assert.match(notString, /config\.cron must be a crontab expression string, not 5/);
  assert.match(zone, /config\.timezone must be an IANA time zone name/);
});

test("queue.push serialises the payload, maps the options and rejects with the host's reason", () => {
  assert.equal(out.attemptOutside, null);
  const [full, bare, raw, negative, unknown, undef, refused] = out.pushes;
  assert.deepEqual(full, { value: "job-3" });
  assert.deepEqual(bare, { value: "job-4" });
  assert.deepEqual(raw, { value: "job-5" });
  assert.match(negative.error, /delayMs must be a whole number of milliseconds, not -1/);
  assert.match(unknown.error, /delay is not an option \(delayMs, idempotencyKey\)/);
  assert.match(undef.error, /cannot send undefined as JSON/);
  assert.deepEqual(refused, { error: "unknown queue `nope`", switchboard: true });
  assert.deepEqual(out.calls, [
    ["push", "work", '{"a":[1,"b"]}', { delayMs: 1500, idempotencyKey: "k" }],
    ["push", "work", '"text"', { delayMs: null, idempotencyKey: null }],
    ["push", "work", '{"pre":"made"}', { delayMs: null, idempotencyKey: null }],
    ["push", "nope", "{}", { delayMs: null, idempotencyKey: null }],
  ]);
});

test("build --schedule refuses a schedule without config, before componentizing", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-js-test-"));
  try {
    const source = path.join(dir, "tick.js");
    fs.writeFileSync(source, "export default async function () {}\n");
    const result = spawnSync(process.execPath, [path.join(SDK, "build.mjs"), "--schedule", source, path.join(dir, "t.wasm")], {
      encoding: "utf8",
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /a schedule must declare when it runs: export const config = \{ cron: "0 \* \* \* \*" \}/);
    assert.equal(fs.existsSync(path.join(dir, "t.wasm")), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
