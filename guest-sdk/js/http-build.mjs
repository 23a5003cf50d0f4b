// What `build --http` adds: the WIT of `api/` handlers, and a way around
// componentize-qjs's pre-initialisation, which cannot see wasi:http.
//
// componentize-qjs runs the module once (Wizer) in a linker that defines
// every import as a trap and then the real WASI interfaces of
// wasmtime-wasi on top. wasi:http is not among them, so its trap
// `wasi:http/types` refers to trap resources while `wasi:io/streams` is the
// real one, and instantiation fails ("instance export `input-stream` has
// the wrong type: mismatched resource types"). So the build hands it the
// same WIT with every `wasi:` package renamed `sbjs:` (same length):
// those are all traps there, consistent with each other, and
// `stubWasi` still stubs the engine's own WASI imports. Afterwards
// `restoreWasiNames` renames the component's own imports and exports back
// to `wasi:`; nothing else refers to those names, and the nested
// components keep theirs.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const SHADOW = "sbjs";

/** Assembles wit/guest/http.wit and its deps (scripts/guest-wit) into `dest`. */
export function assembleWit(repo, dest) {
  const prebuilt = process.env.SWITCHBOARD_GUEST_WIT;
  if (prebuilt) {
    fs.cpSync(prebuilt, dest, { recursive: true });
    return;
  }
  const script = path.join(repo, "scripts/guest-wit");
  try {
    execFileSync(script, [dest], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    const why = String(error.stderr ?? error.message).trim();
    throw new Error(`scripts/guest-wit failed: ${why}`);
  }
}

function witFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...witFiles(file));
    else if (entry.name.endsWith(".wit")) out.push(file);
  }
  return out.sort();
}

/** Every WIT file under `dir`, by relative path: part of the build's digest. */
export function witTexts(dir) {
  return witFiles(dir).map((file) => [path.relative(dir, file), fs.readFileSync(file, "utf8")]);
}

/** Renames `wasi:` packages to the shadow name in every WIT file of `dir`;
 *  returns each WASI package's version, e.g. { http: "0.2.12" }. */
export function shadowWasi(dir) {
  const versions = {};
  for (const file of witFiles(dir)) {
    const text = fs.readFileSync(file, "utf8");
    for (const found of text.matchAll(/^\s*package\s+wasi:([a-z0-9-]+)@([^\s;]+)\s*;/gm)) {
      versions[found[1]] = found[2];
    }
    fs.writeFileSync(file, text.replace(/\bwasi:/g, `${SHADOW}:`));
  }
  return versions;
}

function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

const IMPORT_SECTION = 10;
const EXPORT_SECTION = 11;

/**
 * Renames the top-level imports and exports `sbjs:…` of a component to
 * `wasi:…`, in place (same length, so no size changes). Returns how many
 * names it renamed.
 */
export function restoreWasiNames(component) {
  const from = Buffer.from(`${SHADOW}:`);
  const to = Buffer.from("wasi:");
  let renamed = 0;
  let at = 8; // magic, version and layer
  while (at < component.length) {
    const id = component[at];
    const [size, start] = leb(component, at + 1);
    const end = start + size;
    if (end > component.length) throw new Error("the component is truncated");
    if (id === IMPORT_SECTION || id === EXPORT_SECTION) {
      for (let i = component.indexOf(from, start); i >= 0 && i < end; i = component.indexOf(from, i + 1)) {
        to.copy(component, i);
        renamed++;
      }
    }
    at = end;
  }
  return renamed;
}

/** True when the component's export section names wasi:http/incoming-handler. */
export function exportsIncomingHandler(component) {
  let at = 8;
  const name = Buffer.from("wasi:http/incoming-handler@");
  while (at < component.length) {
    const id = component[at];
    const [size, start] = leb(component, at + 1);
    if (id === EXPORT_SECTION) {
      const found = component.indexOf(name, start);
      if (found >= 0 && found < start + size) return true;
    }
    at = start + size;
  }
  return false;
}
