// Types of the `switchboard` module, and of what a handler module exports.

/** A JSON value as a handler receives it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How the host decodes frames before calling the handler. */
export type DataType = "json" | "text" | "binary" | "frame";

/** `export const config: Config = { type: "json", timeout: 5 }` (both optional). */
export interface Config {
  /** `json` (the default): parsed JSON; `text`: the frame as a string;
   *  `binary`: the frame's bytes; `frame`: text frames as strings, binary
   *  frames as bytes. */
  type?: DataType;
  /** Wall-clock limit of one call in seconds; the server default when absent. */
  timeout?: number;
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

/** A message a component sent, as the `onMessageSent` hook sees it. */
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

declare const _default: {
  socket: typeof socket;
  store: typeof store;
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
export type OnMessageSent = (message: SentMessage) => void | Promise<void>;
export type OnError = (error: string, req: Request | null) => void | Promise<void>;
