// Adapts an author's module to the WIT exports. The build generates an
// entry module that imports the author's module and this one, and exports
// only the interfaces the author implemented.

import { drain, outcome } from "./promise.js";
import { fromData } from "./index.js";
import { userFrom } from "./user.js";
import * as http from "#wasi-http";
import { Response } from "./fetch-api.js";

const DATA_TYPES = ["json", "text", "binary", "frame"];
const INSTANCES = ["fresh", "warm"];
const HOOK_MODES = ["inherit", "handle", "wrap", "disable"];
const HOOKS = {
  messageReceived: "onMessageReceived",
  messageSent: "onMessagesSent",
  error: "onError",
};

function errorText(error) {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  if (error !== null && typeof error === "object") {
    if (typeof error.message === "string") return error.message;
    try {
      const encoded = JSON.stringify(error);
      if (encoded !== undefined) return encoded;
    } catch {
      // Not JSON: fall back to its string form.
    }
  }
  return String(error);
}

// Calls an author's function, runs every job it queued, and returns its
// value; a throw or a rejection comes back as an error with that message.
function finish(fn, args) {
  let result;
  try {
    result = fn(...args);
  } catch (error) {
    drain();
    throw errorText(error);
  }
  drain();
  if (result === null || (typeof result !== "object" && typeof result !== "function")) return result;
  const settled = outcome(result);
  if (settled === undefined) {
    if (typeof result.then === "function") {
      throw "the handler returned a promise that cannot settle here (only Switchboard's promises and async functions can be awaited)";
    }
    return result;
  }
  if (settled.pending) {
    throw "the handler's promise never settled: it awaited something that cannot finish inside a call";
  }
  if (!settled.ok) throw errorText(settled.value);
  return settled.value;
}

// Logging hooks cannot fail; an error in one is dropped.
function quietly(fn, args) {
  try {
    finish(fn, args);
  } catch {
    // The host has nowhere to report a failing logging hook.
  }
}

function params(list) {
  const out = {};
  for (const [name, value] of list) out[name] = value;
  return out;
}

const KIND = { json: "json", text: "text", binary: "binary" };

/** The request a handler receives. */
export function requestFrom(req) {
  return {
    data: fromData(req.data),
    type: KIND[req.data.tag],
    raw: req.data.val,
    user: userFrom(req.user),
    connection: req.connection,
    requestId: req.requestId,
    params: params(req.params),
  };
}

function lookup(pairs, name) {
  for (const [key, value] of pairs) if (key === name) return value;
  return null;
}

/** The HTTP upgrade request `authenticate` receives. */
export class HttpRequest {
  constructor(req) {
    this.method = req.method;
    this.path = req.path;
    this.query = req.query;
    this.queryParams = req.queryParams;
    this.headers = req.headers;
    this.cookies = req.cookies;
  }

  /** The first query parameter with this name, or null. */
  queryParam(name) {
    return lookup(this.queryParams, name);
  }

  /** The first header with this (case-insensitive) name, or null. */
  header(name) {
    return lookup(this.headers, String(name).toLowerCase());
  }

  /** The first cookie with this name, or null. */
  cookie(name) {
    return lookup(this.cookies, name);
  }

  /** The token of an `Authorization: Bearer` header, or null. */
  bearerToken() {
    const value = this.header("authorization");
    if (value === null) return null;
    const space = value.indexOf(" ");
    if (space < 0 || value.slice(0, space).toLowerCase() !== "bearer") return null;
    return value.slice(space + 1).trim();
  }
}

/** A handler's config, `export const config = { type, timeout, instances }`
 *  (each optional), as the WIT `handler-config`. */
export function checkConfig(config) {
  onlyKeys(config, ["type", "timeout", "instances"]);
  const type = config.type ?? "json";
  if (!DATA_TYPES.includes(type)) {
    throw new Error(`config.type must be one of ${DATA_TYPES.join(", ")}, not ${JSON.stringify(type)}`);
  }
  const timeout = config.timeout ?? null;
  if (timeout !== null && !(Number.isInteger(timeout) && timeout > 0 && timeout <= 0xffffffff)) {
    throw new Error(`config.timeout must be a whole number of seconds, not ${JSON.stringify(timeout)}`);
  }
  const instances = config.instances ?? "fresh";
  if (!INSTANCES.includes(instances)) {
    throw new Error(`config.instances must be one of ${INSTANCES.join(", ")}, not ${JSON.stringify(instances)}`);
  }
  return { dataType: type, timeoutSeconds: timeout, instances };
}

/** The `handler` export, from `export default` and `export const config`. */
export function handlerExport(mod) {
  if (typeof mod.default !== "function") throw new Error("the default export must be the handler function");
  const config = checkConfig(mod.config ?? {});
  const handle = mod.default;
  return {
    config() {
      return config;
    },
    handle(req) {
      finish(handle, [requestFrom(req)]);
    },
  };
}

/** A user's `expiresAt`: Unix seconds, or null for none. */
function expiresAt(value) {
  if (value === null || value === undefined) return null;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw "expiresAt must be Unix seconds, a non-negative integer";
  }
  return value;
}

/** The `authenticate` export. */
export function authenticateExport(mod) {
  const authenticate = mod.authenticate;
  return {
    authenticate(req) {
      const user = finish(authenticate, [new HttpRequest(req)]);
      if (user === null || user === undefined) return null;
      if (typeof user === "string") return { id: user, claims: null, expiresAt: null };
      if (typeof user !== "object" || typeof user.id !== "string") {
        throw "authenticate must return { id, claims?, expiresAt? }, a user id, or null";
      }
      const claims = user.claims === null || user.claims === undefined ? null : JSON.stringify(user.claims);
      return { id: user.id, claims, expiresAt: expiresAt(user.expiresAt) };
    },
  };
}

/** The `presence` export, from `onOnline` and/or `onOffline`. */
export function presenceExport(mod) {
  const nothing = () => {};
  const onOnline = mod.onOnline ?? nothing;
  const onOffline = mod.onOffline ?? nothing;
  return {
    onOnline(userId) {
      finish(onOnline, [userId]);
    },
    onOffline(userId) {
      finish(onOffline, [userId]);
    },
  };
}

function sentFrom(msg) {
  return {
    connection: msg.connection ?? null,
    user: msg.user ?? null,
    data: fromData(msg.data),
    type: KIND[msg.data.tag],
  };
}

/** The `logging` export, from the hook functions and `export const hooks`. */
export function loggingExport(mod) {
  const declared = mod.hooks ?? {};
  const modes = {};
  for (const [hook, fn] of Object.entries(HOOKS)) {
    const mode = declared[hook] ?? (typeof mod[fn] === "function" ? "handle" : "inherit");
    if (!HOOK_MODES.includes(mode)) {
      throw new Error(`hooks.${hook} must be one of ${HOOK_MODES.join(", ")}, not ${JSON.stringify(mode)}`);
    }
    modes[hook] = mode;
  }
  for (const hook of Object.keys(declared)) {
    if (!(hook in HOOKS)) throw new Error(`hooks.${hook} is not a hook (${Object.keys(HOOKS).join(", ")})`);
  }
  const nothing = () => {};
  const received = mod.onMessageReceived ?? nothing;
  const sent = mod.onMessagesSent ?? nothing;
  const failed = mod.onError ?? nothing;
  return {
    hooks() {
      return modes;
    },
    onMessageReceived(req) {
      quietly(received, [requestFrom(req)]);
    },
    // Once per call that sent anything: every message it sent, in order.
    onMessagesSent(messages) {
      quietly(sent, [messages.map(sentFrom)]);
    },
    onError(error, req) {
      quietly(failed, [error, req === null || req === undefined ? null : requestFrom(req)]);
    },
  };
}

// A whole number of seconds (u32), or null when absent.
function seconds(value, name) {
  const v = value ?? null;
  if (v !== null && !(Number.isInteger(v) && v > 0 && v <= 0xffffffff)) {
    throw new Error(`config.${name} must be a whole number of seconds, not ${JSON.stringify(v)}`);
  }
  return v;
}

// A positive count (u32), or null when absent.
function count(value, name) {
  const v = value ?? null;
  if (v !== null && !(Number.isInteger(v) && v > 0 && v <= 0xffffffff)) {
    throw new Error(`config.${name} must be a positive whole number, not ${JSON.stringify(v)}`);
  }
  return v;
}

function onlyKeys(config, allowed) {
  if (config === null || typeof config !== "object") throw new Error("config must be an object");
  for (const key of Object.keys(config)) {
    if (!allowed.includes(key)) throw new Error(`config.${key} is not an option (${allowed.join(", ")})`);
  }
}

/** A job's or schedule's run function: the default export, or `run`. */
function runFunction(mod, what) {
  const fn = typeof mod.default === "function" ? mod.default : mod.run;
  if (typeof fn !== "function") throw new Error(`${what} must export its run function as the default export (or as run)`);
  if (typeof mod.default === "function" && typeof mod.run === "function" && mod.default !== mod.run) {
    throw new Error(`${what} exports both a default function and run; export one of them`);
  }
  return fn;
}

/** The queue config a job module declares with `export const config`. */
export function queueConfig(config) {
  onlyKeys(config, ["concurrency", "maxAttempts", "timeout"]);
  return {
    concurrency: count(config.concurrency, "concurrency"),
    maxAttempts: count(config.maxAttempts, "maxAttempts"),
    timeoutSeconds: seconds(config.timeout, "timeout"),
  };
}

/** The job a run function receives. */
export function jobFrom(job) {
  return {
    id: job.id,
    payload: JSON.parse(job.payload),
    raw: job.payload,
    user: userFrom(job.user),
    attempt: job.attempt,
  };
}

/** The `job` export of `queues/<name>`, from its run function and its
 *  optional `export const config = { concurrency, maxAttempts, timeout }`. */
export function jobExport(mod) {
  const run = runFunction(mod, "a queue's job module");
  const config = queueConfig(mod.config ?? {});
  return {
    config() {
      return config;
    },
    run(job) {
      let received;
      try {
        received = jobFrom(job);
      } catch (error) {
        throw `the job's payload is not JSON: ${errorText(error)}`;
      }
      finish(run, [received]);
    },
  };
}

/** The schedule config a schedule module must declare: `{ cron, timezone?, timeout? }`. */
export function scheduleConfig(config) {
  if (config === undefined || config === null) {
    throw new Error('a schedule must declare when it runs: export const config = { cron: "0 * * * *" }');
  }
  onlyKeys(config, ["cron", "timezone", "timeout"]);
  const { cron } = config;
  if (typeof cron !== "string") throw new Error(`config.cron must be a crontab expression string, not ${JSON.stringify(cron)}`);
  const fields = cron.trim().split(/\s+/).filter((field) => field !== "").length;
  if (fields !== 5 && fields !== 6) {
    throw new Error(
      `config.cron must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), not ${fields}: ${JSON.stringify(cron)}`,
    );
  }
  const timezone = config.timezone ?? null;
  if (timezone !== null && (typeof timezone !== "string" || timezone === "")) {
    throw new Error(`config.timezone must be an IANA time zone name such as "Europe/Paris", not ${JSON.stringify(timezone)}`);
  }
  return { cron, timezone, timeoutSeconds: seconds(config.timeout, "timeout") };
}

/** The tick a schedule's run function receives. */
export function tickFrom(tick) {
  return { scheduledAt: tick.scheduledAt, catchUp: tick.catchUp };
}

/** The `schedule` export of `schedules/<name>`, from its run function and
 *  its required `export const config = { cron, timezone?, timeout? }`. */
export function scheduleExport(mod) {
  const run = runFunction(mod, "a schedule module");
  const config = scheduleConfig(mod.config);
  return {
    config() {
      return config;
    },
    run(tick) {
      finish(run, [tickFrom(tick)]);
    },
  };
}

/** The `wasi:http/incoming-handler` export of an `api/` handler, from
 *  `export default async function (request) { return new Response(...) }`
 *  (or a default object with a `fetch(request)` method). A throw, a
 *  rejection or a value that is not a Response answers 500 with
 *  `{"error": <message>}`, as the host does for a trap. */
export function incomingHandlerExport(mod) {
  const target = mod.default;
  let handle;
  if (typeof target === "function") handle = target;
  else if (target !== null && typeof target === "object" && typeof target.fetch === "function") {
    handle = (request) => target.fetch(request);
  } else {
    throw new Error("an api/ handler's default export must be a function (request) => Response");
  }
  return {
    handle(request, outparam) {
      let response;
      try {
        response = finish(handle, [http.incomingRequest(request)]);
        if (!(response instanceof Response)) {
          throw `the handler must return a Response (or a promise of one), not ${response === null ? "null" : typeof response}`;
        }
      } catch (error) {
        http.sendError(outparam, 500, errorText(error));
        return;
      }
      try {
        http.sendResponse(response, outparam);
      } catch (error) {
        // Nothing was sent yet unless the body failed halfway; then the
        // outparam is already set and this second answer is refused.
        try {
          http.sendError(outparam, 500, errorText(error));
        } catch {
          // The response is on its way; the host sees the body end early.
        }
      }
    },
  };
}
