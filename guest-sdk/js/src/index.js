// The `switchboard` module that handlers import: the host's `socket`,
// `store`, `context` and `queue` calls, the Fetch API (`Request`,
// `Response`, `Headers`, `fetch`), and the shapes of what handlers
// receive.
//
// Every host call returns a promise so that handlers read the same as any
// async JavaScript (`await socket.send(...)`); the call itself happens at
// once, in order, and the promise is already settled when it is returned.
// A call the host answers with `err(reason)` (every socket and store call
// can) rejects with a SwitchboardError whose message is that reason.

import "./environment.js";
import "./promise.js";
// Unversioned: the build adds the version of the package in wit/socket.wit.
import * as host from "switchboard:socket/socket";
import * as hostStore from "switchboard:socket/store";
import * as hostContext from "switchboard:socket/context";
import * as hostQueue from "switchboard:socket/queue";
import { FetchError, Headers, Request, Response } from "./fetch-api.js";
import { available as httpAvailable, fetch } from "#wasi-http";
import { URL, URLSearchParams } from "./url.js";
import { userFrom } from "./user.js";

export { FetchError, Headers, Request, Response, URL, URLSearchParams, fetch };

// Code written for other wasi:http hosts uses these as globals (`fetch`
// only where it works: in api/ handlers).
const globals = { Headers, Request, Response, URL, URLSearchParams };
if (httpAvailable) globals.fetch = fetch;
for (const [name, value] of Object.entries(globals)) {
  if (globalThis[name] === undefined) {
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true });
  }
}

/** The most users one `socket.to(users).send(...)` may name. */
export const MAX_RECIPIENTS = 100;

/** A host call failed; `message` says why. */
export class SwitchboardError extends Error {
  constructor(message) {
    super(message);
    this.name = "SwitchboardError";
  }
}

const TAG = Symbol.for("switchboard.data");

/** Sends `value` as JSON even when it is a string or bytes. */
export function json(value) {
  return { [TAG]: "json", value };
}

/** Sends `text`, which must already be JSON, as JSON data (unchanged). */
export function rawJson(text) {
  return { [TAG]: "raw-json", value: text };
}

/** Sends `value` (converted to a string) as a text frame. */
export function text(value) {
  return { [TAG]: "text", value };
}

/** Sends `value` as a binary frame. */
export function binary(value) {
  return { [TAG]: "binary", value };
}

function bytes(value) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return Uint8Array.from(value);
  throw new TypeError("binary data must be a Uint8Array, an ArrayBuffer or an array of bytes");
}

function jsonText(value) {
  const encoded = JSON.stringify(value);
  if (encoded === undefined) throw new TypeError(`cannot send ${typeof value} as JSON`);
  return encoded;
}

/** Converts what a handler sends into the WIT `data` variant. */
export function toData(message) {
  if (message !== null && typeof message === "object" && TAG in message) {
    const { [TAG]: kind, value } = message;
    if (kind === "text") return { tag: "text", val: String(value) };
    if (kind === "binary") return { tag: "binary", val: bytes(value) };
    if (kind === "raw-json") return { tag: "json", val: String(value) };
    return { tag: "json", val: jsonText(value) };
  }
  if (typeof message === "string") return { tag: "text", val: message };
  if (message instanceof ArrayBuffer || ArrayBuffer.isView(message)) {
    return { tag: "binary", val: bytes(message) };
  }
  return { tag: "json", val: jsonText(message) };
}

/** Converts the WIT `data` variant into a value: parsed JSON, a string or bytes. */
export function fromData(data) {
  if (data.tag === "json") return JSON.parse(data.val);
  if (data.tag === "binary") return data.val instanceof Uint8Array ? data.val : Uint8Array.from(data.val);
  return data.val;
}

function message(error) {
  if (error instanceof Error) return error.message;
  if (error !== null && typeof error === "object" && typeof error.payload === "string") {
    return error.payload;
  }
  return String(error);
}

// Runs a host call now and returns its outcome as a settled promise.
function call(run) {
  try {
    return Promise.resolve(run());
  } catch (error) {
    return Promise.reject(new SwitchboardError(message(error)));
  }
}

class Recipients {
  constructor(users) {
    this.users = users;
  }

  /**
   * Sends to every open connection of each user; offline users are
   * skipped. More than 100 users is an error, and then nothing is sent.
   */
  send(msg) {
    return call(() => {
      host.sendTo(this.users, toData(msg));
    });
  }
}

export const socket = {
  /**
   * Sends to the current user on all their connections, or only to the
   * current connection when it is anonymous.
   */
  send(msg) {
    return call(() => {
      host.send(toData(msg));
    });
  },

  /** Names users to send to: `socket.to(["ann", "bob"]).send(msg)`. */
  to(users) {
    const list = typeof users === "string" ? [users] : Array.from(users, String);
    return new Recipients(list);
  },

  /**
   * True while the user has at least one open connection. Rejects when the
   * host cannot find out (a backend it relies on failed).
   */
  isOnline(user) {
    return call(() => host.isOnline(String(user)));
  },
};

/**
 * Small shared state kept by the host: string values and string sets. It
 * outlives calls, connections and hot swaps, not restarts. Keys are at most
 * 256 bytes and values 64 KiB. Every call rejects with a SwitchboardError
 * when a limit refuses it (a key too long, a value too large, the store
 * full) or the backend fails; a refused write changes nothing.
 */
export const store = {
  get(key) {
    return call(() => hostStore.get(String(key)) ?? null);
  },
  set(key, value) {
    return call(() => {
      hostStore.set(String(key), String(value));
    });
  },
  delete(key) {
    return call(() => hostStore.delete(String(key)));
  },
  setAdd(key, member) {
    return call(() => hostStore.setAdd(String(key), String(member)));
  },
  setRemove(key, member) {
    return call(() => hostStore.setRemove(String(key), String(member)));
  },
  setMembers(key) {
    return call(() => hostStore.setMembers(String(key)));
  },
};

/**
 * What the current call is about, in every kind of handler: the user it
 * acts for and the route's params. Both answer at once (no promise): the
 * host always knows.
 */
export const context = {
  /** `{ id, claims, expiresAt }` (claims parsed), or null when anonymous. */
  user() {
    return userFrom(hostContext.user());
  },

  /** The route's `[param]` values by name, e.g. `{ id: "42" }`. */
  params() {
    const out = {};
    for (const [name, value] of hostContext.params()) out[name] = value;
    return out;
  },

  /** The run's attempt number, from 1, in a queued job; null in every
   *  other kind of call. */
  attempt() {
    return hostContext.attempt() ?? null;
  },
};

function pushOptions(options) {
  if (options === null || options === undefined) return { delayMs: null, idempotencyKey: null };
  if (typeof options !== "object") throw new TypeError("queue.push options must be an object");
  for (const key of Object.keys(options)) {
    if (key !== "delayMs" && key !== "idempotencyKey") {
      throw new TypeError(`queue.push: ${key} is not an option (delayMs, idempotencyKey)`);
    }
  }
  const delayMs = options.delayMs ?? null;
  if (delayMs !== null && !(Number.isSafeInteger(delayMs) && delayMs >= 0)) {
    throw new TypeError(`queue.push: delayMs must be a whole number of milliseconds, not ${JSON.stringify(delayMs)}`);
  }
  const key = options.idempotencyKey ?? null;
  return { delayMs, idempotencyKey: key === null ? null : String(key) };
}

/** A job's payload as JSON text: any JSON value, or `rawJson(text)` as is. */
function payloadText(payload) {
  if (payload !== null && typeof payload === "object" && payload[TAG] === "raw-json") return String(payload.value);
  return jsonText(payload);
}

/**
 * Queued jobs, run by `queues/<name>.wasm`. Every kind of component may
 * push one.
 */
export const queue = {
  /**
   * Queues a job on `name` with `payload` (any JSON value) and resolves to
   * the job's id. `delayMs` holds it back that long; a second push with
   * the same `idempotencyKey` queues nothing and resolves to the first
   * job's id. Rejects with a SwitchboardError for an unknown queue, an
   * oversized payload or a full queue, and then nothing is queued.
   */
  push(name, payload, options) {
    return call(() => hostQueue.push(String(name), payloadText(payload), pushOptions(options)));
  },
};

export default {
  socket,
  store,
  context,
  queue,
  fetch,
  Headers,
  Request,
  Response,
  FetchError,
  URL,
  URLSearchParams,
  json,
  rawJson,
  text,
  binary,
  MAX_RECIPIENTS,
  SwitchboardError,
};
