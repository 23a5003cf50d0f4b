// Socket handlers and logging hooks: the handler config (`instances`), a
// warm instance's state between calls, and the batched `onMessagesSent`
// hook, against a fake host (test/host); plus the build's refusals.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runDriver, SDK } from "./driver.mjs";

const out = await runDriver("handler-driver.js");

test("config.instances defaults to fresh, takes warm, and refuses anything else", () => {
  assert.deepEqual(out.configs, {
    none: { dataType: "json", timeoutSeconds: null, instances: "fresh" },
    warm: { dataType: "json", timeoutSeconds: null, instances: "warm" },
    fresh: { dataType: "text", timeoutSeconds: 5, instances: "fresh" },
    undefinedInstances: { dataType: "frame", timeoutSeconds: null, instances: "fresh" },
  });
  const [hot, bool, typo, type] = out.configErrors;
  assert.equal(hot, 'config.instances must be one of fresh, warm, not "hot"');
  assert.equal(bool, "config.instances must be one of fresh, warm, not true");
  assert.equal(typo, "config.instance is not an option (type, timeout, instances)");
  assert.match(type, /config\.type must be one of json, text, binary, frame, not "xml"/);
});

test("a warm module keeps its state between calls; a stuck call fails and the next runs as usual", () => {
  assert.deepEqual(out.warmCalls, [
    { ok: null },
    { ok: null },
    { err: "the handler's promise never settled: it awaited something that cannot finish inside a call" },
    { ok: null },
  ]);
  assert.deepEqual(out.warmSends, [
    { tag: "json", val: '{"count":1}' },
    { tag: "json", val: '{"count":2}' },
    { tag: "json", val: '{"count":3}' },
  ]);
});

test("onMessagesSent gets every message of a call in one array, in order", () => {
  assert.deepEqual(out.hooks, { messageReceived: "inherit", messageSent: "handle", error: "inherit" });
  assert.deepEqual(out.seen, [
    [
      { connection: "c1", user: null, data: { a: 1 }, type: "json" },
      { connection: null, user: "ann", data: "hi", type: "text" },
      { connection: null, user: "bob", data: [0, 255], type: "binary" },
    ],
    [],
  ]);
  assert.deepEqual(out.failing, { ok: null });
  assert.deepEqual(out.otherHooks, { messageReceived: "inherit", messageSent: "inherit", error: "handle" });
  assert.deepEqual(out.otherCall, { ok: null });
  assert.deepEqual(out.declared, { messageReceived: "inherit", messageSent: "wrap", error: "inherit" });
  // The old single-message hook is no hook any more (the build refuses it).
  assert.deepEqual(out.oldName, { messageReceived: "inherit", messageSent: "inherit", error: "handle" });
});

function build(source, ...flags) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-js-test-"));
  try {
    const file = path.join(dir, "mod.js");
    fs.writeFileSync(file, source);
    const wasm = path.join(dir, "mod.wasm");
    const result = spawnSync(process.execPath, [path.join(SDK, "build.mjs"), ...flags, file, wasm], { encoding: "utf8" });
    return { ...result, built: fs.existsSync(wasm) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("build refuses the old onMessageSent hook, saying what replaced it", () => {
  const result = build("export function onMessageSent(msg) {}\nexport function onError() {}\n");
  assert.equal(result.status, 1);
  assert.match(result.stderr, /exports onMessageSent, which is no longer a hook: export onMessagesSent\(messages\) instead/);
  assert.equal(result.built, false);
});

test("build refuses an unknown instance mode", () => {
  const result = build('export const config = { instances: "hot" };\nexport default function () {}\n');
  assert.equal(result.status, 1);
  assert.match(result.stderr, /config\.instances must be one of fresh, warm, not "hot"/);
  assert.equal(result.built, false);
});
