// src/utf8.js against Node's UTF-8, in each of its ways of working: with
// Uint8Array.fromBase64/toBase64 (as in QuickJS-ng) or without, with
// String.prototype.toWellFormed or without. TextEncoder/TextDecoder are
// hidden while it loads, as QuickJS has none.

import assert from "node:assert/strict";
import { test } from "node:test";

const NodeDecoder = globalThis.TextDecoder;
// The SDK keeps a leading byte order mark (a U+FEFF character), as it did
// before it used native conversions; TextDecoder drops it unless told not to.
const reference = (bytes) => new NodeDecoder("utf-8", { ignoreBOM: true }).decode(bytes);

const proto = Uint8Array.prototype;
const nativeBase64 = typeof Uint8Array.fromBase64 === "function" && typeof proto.toBase64 === "function";
if (!nativeBase64) {
  // Node before 25: the same conversions through Buffer.
  Object.defineProperty(Uint8Array, "fromBase64", {
    value: (text) => new Uint8Array(Buffer.from(text, "base64")),
    configurable: true,
    writable: true,
  });
  Object.defineProperty(proto, "toBase64", {
    value() {
      return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString("base64");
    },
    configurable: true,
    writable: true,
  });
}

/** Imports a fresh copy of src/utf8.js with some engine features hidden. */
async function load(name, { base64, wellFormed }) {
  const hidden = [
    [globalThis, "TextEncoder"],
    [globalThis, "TextDecoder"],
  ];
  if (!base64) hidden.push([Uint8Array, "fromBase64"], [proto, "toBase64"]);
  if (!wellFormed) hidden.push([String.prototype, "toWellFormed"]);
  const saved = hidden.map(([object, key]) => [object, key, Object.getOwnPropertyDescriptor(object, key)]);
  for (const [object, key] of hidden) delete object[key];
  try {
    return await import(`../src/utf8.js?${name}`);
  } finally {
    for (const [object, key, descriptor] of saved) if (descriptor) Object.defineProperty(object, key, descriptor);
  }
}

const variants = [
  ["base64", { base64: true, wellFormed: true }],
  ["no-base64", { base64: false, wellFormed: true }],
  ["no-toWellFormed", { base64: true, wellFormed: false }],
  ["neither", { base64: false, wellFormed: false }],
];
const modules = [];
for (const [name, features] of variants) modules.push([name, await load(name, features)]);

/** A seeded generator of numbers in [0, 1). */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UNITS = [0x41, 0x7f, 0x80, 0xe9, 0x7ff, 0x800, 0x65e5, 0xfeff, 0xfffd, 0xffff, 0xd83d, 0xde00, 0xd800, 0xdbff, 0xdc00, 0xdfff];

/** A string of random code units, lone surrogates included. */
function randomText(next, length) {
  const units = [];
  for (let i = 0; i < length; i++) {
    const r = next();
    if (r < 0.5) units.push(0x20 + Math.floor(next() * 0x5f));
    else if (r < 0.8) units.push(UNITS[Math.floor(next() * UNITS.length)]);
    else units.push(Math.floor(next() * 0x10000));
  }
  return String.fromCharCode(...units);
}

const BYTES = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];

/** Random bytes: mostly valid UTF-8 with some malformed sequences, or mostly noise. */
function randomBytes(next, length, noise) {
  const out = [];
  while (out.length < length) {
    if (next() < noise) out.push(BYTES[Math.floor(next() * BYTES.length)]);
    else out.push(...Buffer.from(String.fromCodePoint(Math.floor(next() * 0x11000) % 0xd800 || 0x10ffff)));
  }
  return Uint8Array.from(out.slice(0, length));
}

const mixed = "héllo 日本語 😀 naïve Ωμέγα\n".repeat(20000);

for (const [name, { decode, encode, latin1, latin1Bytes }] of modules) {
  test(`${name}: encoding matches Node's, lone surrogates included`, () => {
    const texts = ["", "abc", "héllo", "日本語", "😀x😀", "\ud800x", "a\udc00", "\u0000\u07ff\u0800\uffff"];
    texts.push("\ud800\ud800\udc00", "\udc00\ud800", "\udbff\udfff\udfff", "%u0041%41%", "x".repeat(9000) + "\ud800");
    texts.push(mixed, mixed + "\udc00" + mixed, "a".repeat(8191) + "😀" + "b".repeat(8191) + "\ud83d");
    const next = random(1);
    for (let i = 0; i < 300; i++) texts.push(randomText(next, Math.floor(next() * 40)));
    for (let i = 0; i < 5; i++) texts.push(randomText(next, 20000));
    for (const text of texts) {
      const bytes = encode(text);
      assert.ok(bytes instanceof Uint8Array);
      assert.deepEqual(Buffer.from(bytes), Buffer.from(text, "utf8"), JSON.stringify(text.slice(0, 40)));
    }
  });

  test(`${name}: decoding matches TextDecoder, malformed input included`, () => {
    const cases = [[], [0x61], [0xff], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]];
    cases.push([0xe2, 0x82], [0x61, 0xf0, 0x9f, 0x98], [0xf0, 0x9f, 0x98, 0x80], [...Buffer.from("x".repeat(20000) + "é")]);
    cases.push([0xef, 0xbb, 0xbf, 0x61], [0x25, 0x34, 0x31, 0x25], [0xc3, 0x41], [0xe2, 0x82, 0x41], [0xf8, 0x88, 0x80, 0x80, 0x80]);
    const big = [...Buffer.from(mixed)];
    cases.push(big, [...big.slice(0, 300000), 0xff, ...big.slice(300000)], [0xe2, 0x82, ...big], [...big, 0xf0, 0x9f]);
    cases.push([...big.slice(0, 1000), ...new Array(5000).fill(0x80), ...big.slice(0, 1000)]);
    cases.push([...new Array(3000).fill(0xe9)], [0xe2, ...new Array(700).fill(0x82), 0x41]);
    const next = random(2);
    for (let i = 0; i < 400; i++) cases.push(randomBytes(next, Math.floor(next() * 30), 0.3));
    for (const noise of [0, 0.0005, 0.01, 0.3, 1]) cases.push(randomBytes(next, 50000, noise));
    for (const bytes of cases) {
      const view = Uint8Array.from(bytes);
      assert.equal(decode(view), reference(view), String([...view.slice(0, 8)]));
    }
  });

  test(`${name}: decoding reads a view's own bytes`, () => {
    const bytes = Buffer.from("ab日本cd");
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + 2, 6);
    assert.equal(decode(view), "日本");
  });

  test(`${name}: header values are Latin-1`, () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = latin1(all);
    assert.equal(text, String.fromCharCode(...all));
    assert.deepEqual(latin1Bytes(text), all);
    assert.equal(latin1(Uint8Array.from(Buffer.from("x".repeat(20000)))), "x".repeat(20000));
    assert.throws(() => latin1Bytes("caf\u0100"), TypeError);
  });
}
