// Types of the `switchboard` module, and of what a handler module exports.

/** A JSON value as a handler receives it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How the host decodes frames before calling the handler. */
export type DataType = "json" | "text" | "binary" | "frame";

/** How a component's instances live between calls. `fresh` (the default):
 *  a new instance for every call. `warm` (recommended for JS): instances
 *  are pooled and reused one call at a time, so module state persists from
 *  one call to the next, whoever the caller: never keep one user's data
 *  where another user's call can read it. */
export type Instances = "fresh" | "warm";

/** `export const config: Config = { type: "json", timeout: 5, instances: "warm" }`
 *  (each optional). */
export interface Config {
  /** `json` (the default): parsed JSON; `text`: the frame as a string;
   *  `binary`: the frame's bytes; `frame`: text frames as strings, binary
   *  frames as bytes. */
  type?: DataType;
  /** Wall-clock limit of one call in seconds; the server default when absent. */
  timeout?: number;
  /** `fresh` (the default) or `warm`: a new instance per call, or pooled
   *  instances whose module state outlives the call (and is seen by the
   *  next caller, whoever it is). An instance is discarded after a trap or
   *  a fuel, timeout or memory failure (a thrown error keeps it), after a
   *  number of calls, after a time idle and on a hot swap; the call limits
   *  still apply per call. Applies to every export of the component (its
   *  logging hooks too). */
  instances?: Instances;
}

/** An authenticated user. */
export interface User {
  id: string;
  /** The claims object the authenticator gave, parsed; null when none. */
  claims: Json | null;
  /** When the user's credentials expire, in Unix seconds; null when never.
   *  The server closes the connection then, with close code 4001. */
  expiresAt: number | null;
}

/** One message routed to a handler. */
export interface Request<D = any> {
  /** The message: parsed JSON (`json`), a string (`text`) or bytes (`binary`). */
  data: D;
  /** Which of the three `data` is. */
  type: "json" | "text" | "binary";
  /** The message as received: the JSON or text as a string, or the bytes. */
  raw: string | Uint8Array;
  /** The connection's user; null when anonymous. */
  user: User | null;
  /** Id of the connection that sent the message. */
  connection: string;
  /** Unique for every message the server receives. */
  requestId: string;
  /** Values of the route's `[param]` folders, by name. */
  params: Record<string, string>;
}

/** The HTTP request that asked to open a WebSocket. */
export interface HttpRequest {
  method: string;
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  /** Decoded query parameters, in order. */
  queryParams: [string, string][];
  /** Header names are lower case. */
  headers: [string, string][];
  cookies: [string, string][];
  /** The first query parameter with this name, or null. */
  queryParam(name: string): string | null;
  /** The first header with this (case-insensitive) name, or null. */
  header(name: string): string | null;
  /** The first cookie with this name, or null. */
  cookie(name: string): string | null;
  /** The token of an `Authorization: Bearer` header, or null. */
  bearerToken(): string | null;
}

/** What `authenticate` returns: a user (or just its id), or null for anonymous. */
export type AuthResult =
  | { id: string; claims?: Json | null; expiresAt?: number | null }
  | string
  | null
  | undefined;

/** One message a component sent, as the `onMessagesSent` hook sees it: a
 *  message to one connection or to one user (a send to 100 users is 100
 *  of them). */
export interface SentMessage {
  /** Set for an anonymous `send`, which goes to one connection. */
  connection: string | null;
  /** Set for a `send` by a user, and for each user of `send-to`. */
  user: string | null;
  data: any;
  type: "json" | "text" | "binary";
}

/** How this component takes part in one logging hook. */
export type HookMode = "inherit" | "handle" | "wrap" | "disable";

/** `export const hooks: Hooks = { messageReceived: "wrap" }`. An exported hook
 *  function defaults to `handle`, a missing one to `inherit`. */
export interface Hooks {
  messageReceived?: HookMode;
  messageSent?: HookMode;
  error?: HookMode;
}

/** Something a handler can send. Strings go out as text frames, bytes as
 *  binary frames, anything else as JSON (a text frame). */
export type Message = Json | Uint8Array | ArrayBuffer | ArrayBufferView | Tagged | { toJSON(): unknown } | object;

declare const tagged: unique symbol;
/** A message whose kind is forced by `json`, `rawJson`, `text` or `binary`. */
export interface Tagged {
  readonly [tagged]: true;
}

/** Sends `value` as JSON even when it is a string or bytes. */
export function json(value: unknown): Tagged;
/** Sends `text`, which must already be JSON, as JSON data (unchanged). */
export function rawJson(text: string): Tagged;
/** Sends `value` (converted to a string) as a text frame. */
export function text(value: unknown): Tagged;
/** Sends bytes as a binary frame. */
export function binary(value: Uint8Array | ArrayBuffer | ArrayBufferView | number[]): Tagged;

/** The most users one `socket.to(users).send(...)` may name. */
export const MAX_RECIPIENTS: 100;

/** A host call failed; `message` is the host's reason, unchanged. Promises
 *  of `socket` and `store` reject with it. */
export class SwitchboardError extends Error {}

export interface Recipients {
  /** Sends to every open connection of each user; offline users are
   *  skipped. More than 100 users is an error, and then nothing is sent. */
  send(message: Message): Promise<void>;
}

export const socket: {
  /** Sends to the current user on all their connections, or only to the
   *  current connection when it is anonymous. In `onOnline`/`onOffline`,
   *  to that user. */
  send(message: Message): Promise<void>;
  /** Names users to send to: `socket.to(["ann", "bob"]).send(msg)`. */
  to(users: Iterable<string> | string): Recipients;
  /** True while the user has at least one open connection. Rejects with a
   *  SwitchboardError when the host cannot find out (a backend failed). */
  isOnline(user: string): Promise<boolean>;
};

/** Small shared state kept by the host: string values and string sets. It
 *  outlives calls, connections and hot swaps, not restarts. Keys are at
 *  most 256 bytes and values 64 KiB. Every call rejects with a
 *  SwitchboardError, whose message is the host's reason, when a limit
 *  refuses it (a key over 256 bytes, a value over 64 KiB, the store full)
 *  or the backend fails; a refused write changes nothing. */
export const store: {
  /** The value, or null when the key is not set. */
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  /** True if the key existed. */
  delete(key: string): Promise<boolean>;
  /** True if the member was not in the set yet. */
  setAdd(key: string, member: string): Promise<boolean>;
  /** True if the member was in the set. */
  setRemove(key: string, member: string): Promise<boolean>;
  /** The members of a set (sorted); [] when there is no set. */
  setMembers(key: string): Promise<string[]>;
};

/** What the current call is about, in every kind of handler (socket
 *  handlers, hooks, `api/` HTTP handlers). Both answer at once. */
export const context: {
  /** The user the call acts for: the authenticated user of the socket
   *  message or HTTP request, or the user a presence hook is about; null
   *  when anonymous. */
  user(): User | null;
  /** The route's `[param]` values by name: `{ id: "42" }` for
   *  `api/users/[id]`, `{ room: "r1" }` for `socket/[room]/...`. */
  params(): Record<string, string>;
  /** The run's attempt number, from 1, in a queued job (`queues/`); null
   *  in every other kind of call. */
  attempt(): number | null;
};

/** `queue.push` options (both optional). */
export interface PushOptions {
  /** Run no sooner than this many milliseconds from now. */
  delayMs?: number | null;
  /** A second push of the same key to the same queue, within the server's
   *  idempotency window (24 h by default), queues nothing and resolves to
   *  the first job's id. */
  idempotencyKey?: string | null;
}

/** Queued jobs, run by `queues/<name>.wasm`; every kind of component may push. */
export const queue: {
  /** Queues a job on queue `name` with `payload` (any JSON value, or
   *  `rawJson(text)`), acting for the user this call acts for, and resolves
   *  to the job's id. Rejects with a SwitchboardError, whose message is the
   *  host's reason, for an unknown queue, an oversized payload (256 KiB by
   *  default) or a full queue; then nothing is queued. */
  push(name: string, payload: unknown, options?: PushOptions): Promise<string>;
};

/** A queue's config: `export const config: QueueConfig = { maxAttempts: 3 }`
 *  in `handlers/queues/<name>.ts` (each optional; the server default when
 *  absent). */
export interface QueueConfig {
  /** How many of the queue's jobs run at once. */
  concurrency?: number;
  /** Runs before a failing job moves to the dead letters. */
  maxAttempts?: number;
  /** Wall-clock limit of one run in seconds. */
  timeout?: number;
}

/** One job, as a queue's run function receives it. */
export interface Job<P = any> {
  id: string;
  /** The payload as pushed, parsed. */
  payload: P;
  /** The payload's JSON text. */
  raw: string;
  /** The user the push acted for (`socket.send` goes to them); null when
   *  the push was anonymous. */
  user: User | null;
  /** 1 on the first run, 2 on the first retry, and so on. */
  attempt: number;
}

/** A schedule's config, required: `export const config: ScheduleConfig =
 *  { cron: "0 9 * * 1-5", timezone: "Europe/Paris" }` in
 *  `handlers/schedules/<name>.ts`. */
export interface ScheduleConfig {
  /** A crontab expression: 5 fields (minute hour day-of-month month
   *  day-of-week), or 6 with seconds first. */
  cron: string;
  /** An IANA time zone; UTC when absent. */
  timezone?: string | null;
  /** Wall-clock limit of one run in seconds; the server default when absent. */
  timeout?: number;
}

/** One tick, as a schedule's run function receives it. */
export interface Tick {
  /** The tick this run is for, in Unix milliseconds. */
  scheduledAt: number;
  /** True when this run makes up for ticks missed while no server ran. */
  catchUp: boolean;
}

// ---- The Fetch API, for `api/` handlers (`build --http`) ----------------
// Bodies are buffered in memory; every promise is settled when returned,
// like the rest of the SDK. At run time `Headers`, `Request`, `Response`,
// `URL` and `URLSearchParams` are also globals, and so is `fetch` in
// `api/` handlers; in TypeScript, import them from "switchboard".

/** What a header list can be built from. */
export type HeadersInit = Headers | Iterable<readonly [string, string]> | Record<string, string>;
/** What a request or response body can be built from: text is sent as
 *  UTF-8 (content type `text/plain;charset=UTF-8` unless one is set). */
export type BodyInit = string | Uint8Array | ArrayBuffer | ArrayBufferView | URLSearchParams;

/** Case-insensitive HTTP headers; names are kept lower case. */
export class Headers implements Iterable<[string, string]> {
  constructor(init?: HeadersInit);
  append(name: string, value: string): void;
  set(name: string, value: string): void;
  delete(name: string): void;
  /** The values joined with ", ", or null when absent. */
  get(name: string): string | null;
  getSetCookie(): string[];
  has(name: string): boolean;
  /** Sorted by name, values of one name joined (`set-cookie` kept apart). */
  entries(): IterableIterator<[string, string]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void;
  [Symbol.iterator](): IterableIterator<[string, string]>;
}

/** What `Request` and `Response` share. A body can be read once. */
interface Body {
  readonly headers: Headers;
  /** Null when there is no body (otherwise the message itself; there are no streams). */
  readonly body: unknown | null;
  readonly bodyUsed: boolean;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array>;
  /** The body decoded as UTF-8. */
  text(): Promise<string>;
  /** The body parsed as JSON. */
  json<T = any>(): Promise<T>;
}

export interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit | null;
}

/** An HTTP request: the one an `api/` handler receives, or one to
 *  `fetch`. (Its class is the value `Request`; the type `Request` is the
 *  socket message a socket handler receives.) */
export interface FetchRequest extends Body {
  /** Upper case for the standard methods (`GET`, `POST`, ...). */
  readonly method: string;
  /** Absolute: scheme, the Host (authority) and the path with its query. */
  readonly url: string;
  clone(): FetchRequest;
}

/** `new Request(url, { method, headers, body })`; `url` must be absolute. */
export const Request: {
  new (input: string | URL | FetchRequest, init?: RequestInit): FetchRequest;
  readonly prototype: FetchRequest;
};

export interface ResponseInit {
  /** 200 to 599; 200 when absent. */
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
}

/** An HTTP response: what an `api/` handler returns, or what `fetch` gives. */
export class Response implements Body {
  constructor(body?: BodyInit | null, init?: ResponseInit);
  /** `JSON.stringify(value)` with content type `application/json`. */
  static json(value: unknown, init?: ResponseInit): Response;
  static redirect(url: string | URL, status?: 301 | 302 | 303 | 307 | 308): Response;
  readonly status: number;
  readonly statusText: string;
  /** True for a status from 200 to 299. */
  readonly ok: boolean;
  /** The URL fetched, for a response of `fetch`; "" otherwise. */
  readonly url: string;
  readonly headers: Headers;
  readonly body: unknown | null;
  readonly bodyUsed: boolean;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array>;
  text(): Promise<string>;
  json<T = any>(): Promise<T>;
  clone(): Response;
}

/** An outbound request got no response. `code` is the wasi:http
 *  error-code's name: `HTTP-request-denied` when the host does not allow
 *  the URL (see `--allowed-outbound-hosts`), `connection-refused`,
 *  `DNS-error`, `connection-timeout`, ...; `unavailable` in a socket
 *  handler, which has no outbound HTTP. */
export class FetchError extends TypeError {
  readonly code: string;
}

/**
 * An outbound request over wasi:http/outgoing-handler, as the Fetch API's
 * `fetch`: `await fetch("http://127.0.0.1:8000/x", { method: "POST", body })`.
 * Rejects with a FetchError when no response comes; an HTTP error status
 * is a response like any other. Only in `api/` handlers.
 */
export function fetch(input: string | URL | FetchRequest, init?: RequestInit): Promise<Response>;

/** Query parameters, in order. */
export class URLSearchParams implements Iterable<[string, string]> {
  constructor(init?: string | URLSearchParams | Iterable<readonly [string, string]> | Record<string, string>);
  readonly size: number;
  append(name: string, value: string): void;
  delete(name: string): void;
  get(name: string): string | null;
  getAll(name: string): string[];
  has(name: string): boolean;
  set(name: string, value: string): void;
  sort(): void;
  entries(): IterableIterator<[string, string]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  forEach(callback: (value: string, name: string, params: URLSearchParams) => void, thisArg?: unknown): void;
  [Symbol.iterator](): IterableIterator<[string, string]>;
  toString(): string;
}

/** An absolute URL (`scheme://host/path?query#hash`); a relative one
 *  needs `base`. Enough for `new URL(request.url).searchParams`. */
export class URL {
  constructor(input: string | URL, base?: string | URL);
  static canParse(input: string | URL, base?: string | URL): boolean;
  readonly protocol: string;
  readonly username: string;
  readonly password: string;
  readonly hostname: string;
  readonly port: string;
  readonly host: string;
  readonly origin: string;
  pathname: string;
  search: string;
  readonly searchParams: URLSearchParams;
  hash: string;
  readonly href: string;
  toString(): string;
  toJSON(): string;
}

declare const _default: {
  socket: typeof socket;
  store: typeof store;
  context: typeof context;
  queue: typeof queue;
  fetch: typeof fetch;
  Headers: typeof Headers;
  Request: typeof Request;
  Response: typeof Response;
  FetchError: typeof FetchError;
  URL: typeof URL;
  URLSearchParams: typeof URLSearchParams;
  json: typeof json;
  rawJson: typeof rawJson;
  text: typeof text;
  binary: typeof binary;
  MAX_RECIPIENTS: typeof MAX_RECIPIENTS;
  SwitchboardError: typeof SwitchboardError;
};
export default _default;

/** The signatures of a handler module's exports, for `satisfies`:
 *  `export default (async (req) => { ... }) satisfies Handler`. */
export type Handler<D = any> = (req: Request<D>) => void | Promise<void>;
export type Authenticate = (req: HttpRequest) => AuthResult | Promise<AuthResult>;
export type PresenceHook = (userId: string) => void | Promise<void>;
export type OnMessageReceived = (req: Request) => void | Promise<void>;
/** Called once after a call that sent anything, with every message it
 *  sent, in order. */
export type OnMessagesSent = (messages: SentMessage[]) => void | Promise<void>;
export type OnError = (error: string, req: Request | null) => void | Promise<void>;
/** An `api/` handler's default export: `export default (async (request) =>
 *  Response.json({ ok: true })) satisfies HttpHandler`. */
export type HttpHandler = (request: FetchRequest) => Response | Promise<Response>;
/** A queue's run function (`handlers/queues/<name>.ts`, default export): a
 *  throw or rejection fails the run, which is retried. */
export type JobHandler<P = any> = (job: Job<P>) => void | Promise<void>;
/** A schedule's run function (`handlers/schedules/<name>.ts`, default export). */
export type ScheduleHandler = (tick: Tick) => void | Promise<void>;
