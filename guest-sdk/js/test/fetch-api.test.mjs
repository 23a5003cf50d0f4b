// The SDK's pure-JavaScript Fetch API pieces against Node's own: UTF-8,
// URL, URLSearchParams and Headers. Run with `npm test` in guest-sdk/js.
// (Everything that needs wasi:http is tested through the conformance app.)

import assert from "node:assert/strict";
import { test } from "node:test";

// The SDK's UTF-8 uses TextEncoder/TextDecoder when the engine has them,
// and QuickJS does not: hide them while it loads.
const { TextEncoder: NodeEncoder, TextDecoder: NodeDecoder } = globalThis;
globalThis.TextEncoder = undefined;
globalThis.TextDecoder = undefined;
const { decode, encode } = await import("../src/utf8.js");
const sdkUrl = await import("../src/url.js");
const { Headers, Request, Response } = await import("../src/fetch-api.js");
globalThis.TextEncoder = NodeEncoder;
globalThis.TextDecoder = NodeDecoder;

test("UTF-8 encoding matches Node's, lone surrogates included", () => {
  for (const text of ["", "abc", "héllo", "日本語", "😀x😀", "\ud800x", "a\udc00", "\u0000\u07ff\u0800\uffff"]) {
    assert.deepEqual(Buffer.from(encode(text)), Buffer.from(text, "utf8"), JSON.stringify(text));
  }
});

test("UTF-8 decoding matches TextDecoder, malformed input included", () => {
  const cases = [[0x61], [0xff], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]];
  cases.push([0xe2, 0x82], [0x61, 0xf0, 0x9f, 0x98], [0xf0, 0x9f, 0x98, 0x80], [...Buffer.from("x".repeat(20000) + "é")]);
  for (const bytes of cases) {
    assert.equal(decode(Uint8Array.from(bytes)), new NodeDecoder().decode(Uint8Array.from(bytes)), String(bytes.slice(0, 8)));
  }
});

test("URL parts match Node's URL", () => {
  const urls = [
    ["http://Example.com:80/a/b?x=1&y=a+b%20c#h"],
    ["https://u:p@h:8443/"],
    ["/p?q=1", "http://h:1/a/b"],
    ["c", "http://h/a/b"],
    ["?z=2", "http://h/a/b?y=1"],
    ["http://h"],
    ["http://127.0.0.1:18095/hi.txt?"],
  ];
  const keys = ["href", "protocol", "host", "hostname", "port", "pathname", "search", "hash", "origin", "username", "password"];
  for (const [input, base] of urls) {
    const ours = new sdkUrl.URL(input, base);
    const node = new URL(input, base);
    for (const key of keys) assert.equal(ours[key], node[key], `${input} ${key}`);
    assert.deepEqual([...ours.searchParams], [...node.searchParams], input);
  }
  assert.throws(() => new sdkUrl.URL("/relative"), TypeError);
});

test("URLSearchParams reads and writes like Node's, and updates its URL", () => {
  const query = "a=1&b=x+y&a=2&c=%2F&d";
  const ours = new sdkUrl.URLSearchParams(query);
  const node = new URLSearchParams(query);
  assert.deepEqual([...ours], [...node]);
  assert.deepEqual(ours.getAll("a"), node.getAll("a"));
  ours.set("a", "3");
  node.set("a", "3");
  assert.equal(ours.toString(), node.toString());
  const url = new sdkUrl.URL("http://h/p?x=1");
  url.searchParams.append("y", "a b");
  assert.equal(url.href, "http://h/p?x=1&y=a+b");
});

test("Headers behave like Node's", () => {
  const build = (H) => {
    const headers = new H({ "Content-Type": "a" });
    headers.append("x-a", "1");
    headers.append("X-A", " 2 ");
    headers.set("content-type", "b");
    headers.append("set-cookie", "a=1");
    headers.append("set-cookie", "b=2");
    return headers;
  };
  const ours = build(Headers);
  const node = build(globalThis.Headers);
  assert.deepEqual([...ours], [...node]);
  assert.equal(ours.get("X-a"), node.get("X-a"));
  assert.deepEqual(ours.getSetCookie(), node.getSetCookie());
  assert.equal(ours.has("CONTENT-TYPE"), true);
  assert.throws(() => ours.set("bad name", "x"), TypeError);
});

test("Response and Request bodies read once, as text, JSON or bytes", async () => {
  const response = Response.json({ ok: "é" }, { status: 201, headers: { "x-a": "1" } });
  assert.equal(response.status, 201);
  assert.equal(response.ok, true);
  assert.equal(response.headers.get("content-type"), "application/json");
  assert.deepEqual(await response.clone().json(), { ok: "é" });
  assert.equal(await response.text(), '{"ok":"é"}');
  assert.equal(response.bodyUsed, true);
  await assert.rejects(response.text(), TypeError);

  const text = new Response("hi");
  assert.equal(text.headers.get("content-type"), "text/plain;charset=UTF-8");
  assert.deepEqual(new Uint8Array(await text.arrayBuffer()), Uint8Array.from([104, 105]));
  assert.throws(() => new Response("x", { status: 204 }), TypeError);
  assert.throws(() => new Response(null, { status: 99 }), RangeError);

  const request = new Request("http://h/x", { method: "post", body: "b" });
  assert.equal(request.method, "POST");
  assert.equal(await request.text(), "b");
  assert.throws(() => new Request("http://h/", { body: "x" }), TypeError);
});
