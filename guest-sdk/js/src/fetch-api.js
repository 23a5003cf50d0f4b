// The Fetch API's `Headers`, `Request` and `Response`, for QuickJS, which
// has none. Bodies are buffered: a body is bytes in memory, read from the
// wire the first time it is used (src/wasi-http.js), so `text()`, `json()`
// and `arrayBuffer()` settle within the call like every Switchboard call.

import { decode, encode } from "./utf8.js";

const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function headerName(name) {
  const text = String(name);
  if (!NAME.test(text)) throw new TypeError(`${JSON.stringify(text)} is not a valid header name`);
  return text.toLowerCase();
}

function headerValue(value) {
  // Leading and trailing whitespace is not part of a value (Fetch's "normalize").
  const text = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  if (/[\0\r\n]/.test(text)) throw new TypeError(`header value ${JSON.stringify(text)} has a NUL, CR or LF`);
  return text;
}

/** Case-insensitive HTTP headers; names are kept lower case. */
export class Headers {
  #list = [];

  /** From another Headers, an iterable of [name, value] pairs, or a record. */
  constructor(init) {
    if (init === undefined || init === null) return;
    if (init instanceof Headers) {
      for (const [name, value] of init.#list) this.#list.push([name, value]);
    } else if (typeof init[Symbol.iterator] === "function") {
      for (const pair of init) {
        const [name, value, ...rest] = Array.from(pair);
        if (value === undefined || rest.length > 0) throw new TypeError("each header must be a [name, value] pair");
        this.append(name, value);
      }
    } else if (typeof init === "object") {
      for (const name of Object.keys(init)) this.append(name, init[name]);
    } else {
      throw new TypeError("Headers takes a Headers, an array of [name, value] pairs or an object");
    }
  }

  /** Adds a value; an existing header with this name keeps its values. */
  append(name, value) {
    this.#list.push([headerName(name), headerValue(value)]);
  }

  /** Replaces every value of this header with one. */
  set(name, value) {
    const key = headerName(name);
    const index = this.#list.findIndex(([n]) => n === key);
    const entry = [key, headerValue(value)];
    if (index < 0) {
      this.#list.push(entry);
      return;
    }
    this.#list[index] = entry;
    this.#list = this.#list.filter(([n], i) => n !== key || i <= index);
  }

  delete(name) {
    const key = headerName(name);
    this.#list = this.#list.filter(([n]) => n !== key);
  }

  /** The values joined with ", ", or null when the header is absent. */
  get(name) {
    const key = headerName(name);
    const values = this.#list.filter(([n]) => n === key).map(([, v]) => v);
    return values.length === 0 ? null : values.join(", ");
  }

  /** Each `set-cookie` value on its own (they cannot be joined). */
  getSetCookie() {
    return this.#list.filter(([n]) => n === "set-cookie").map(([, v]) => v);
  }

  has(name) {
    const key = headerName(name);
    return this.#list.some(([n]) => n === key);
  }

  /** [name, value] pairs sorted by name, values of one name joined (as in
   *  the Fetch API; `set-cookie` values stay separate). */
  *entries() {
    const names = [...new Set(this.#list.map(([n]) => n))].sort();
    for (const name of names) {
      if (name === "set-cookie") for (const value of this.getSetCookie()) yield [name, value];
      else yield [name, this.get(name)];
    }
  }

  *keys() {
    for (const [name] of this.entries()) yield name;
  }

  *values() {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback, thisArg) {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }

  [Symbol.iterator]() {
    return this.entries();
  }

  get [Symbol.toStringTag]() {
    return "Headers";
  }

  /** Every header line in order, repeated names not joined: what goes on the wire. */
  static lines(headers) {
    return headers.#list.map(([name, value]) => [name, value]);
  }
}

function bytesOf(value) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return null;
}

/** A body given to `new Request` or `new Response`: bytes and the content
 *  type it implies, if any. */
function bodyInit(body) {
  if (body === undefined || body === null) return { bytes: null, type: null };
  if (body instanceof Body) return { bytes: Body.bytes(body), type: body.headers.get("content-type") };
  const bytes = bytesOf(body);
  if (bytes) return { bytes, type: null };
  if (typeof URLSearchParams === "function" && body instanceof URLSearchParams) {
    return { bytes: encode(String(body)), type: "application/x-www-form-urlencoded;charset=UTF-8" };
  }
  return { bytes: encode(String(body)), type: "text/plain;charset=UTF-8" };
}

const EMPTY = new Uint8Array(0);

/** What Request and Response share: headers, and a body read at most once. */
class Body {
  #bytes;
  #read;
  #used = false;

  constructor(headers, bytes, read) {
    this.headers = headers;
    this.#bytes = bytes;
    this.#read = read;
  }

  /** Null when there is no body. */
  get body() {
    return this.#bytes === null && this.#read === null ? null : this;
  }

  get bodyUsed() {
    return this.#used;
  }

  #take() {
    if (this.#used) throw new TypeError("the body has already been read");
    this.#used = true;
    if (this.#read !== null) {
      this.#bytes = this.#read();
      this.#read = null;
    }
    return this.#bytes ?? EMPTY;
  }

  /** The body's bytes, for the SDK's own writing side. */
  static bytes(message) {
    return message.#take();
  }

  /** A copy whose body can be read separately. */
  static copyBody(message) {
    if (message.#used) throw new TypeError("cannot clone: the body has already been read");
    if (message.#read !== null) {
      message.#bytes = message.#read();
      message.#read = null;
    }
    return message.#bytes;
  }

  #settle(convert) {
    try {
      return Promise.resolve(convert(this.#take()));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The body as bytes. */
  arrayBuffer() {
    return this.#settle((bytes) => bytes.slice().buffer);
  }

  /** The body as bytes, in a Uint8Array. */
  bytes() {
    return this.#settle((bytes) => bytes.slice());
  }

  /** The body decoded as UTF-8. */
  text() {
    return this.#settle(decode);
  }

  /** The body parsed as JSON. */
  json() {
    return this.#settle((bytes) => JSON.parse(decode(bytes)));
  }
}

export const readBody = (message) => Body.bytes(message);

const METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"];

function method(value) {
  const text = String(value);
  if (!NAME.test(text)) throw new TypeError(`${JSON.stringify(text)} is not a valid HTTP method`);
  const upper = text.toUpperCase();
  return METHODS.includes(upper) ? upper : text;
}

/** An HTTP request: the one a handler receives, or one to `fetch`. */
export class Request extends Body {
  /**
   * `new Request(url, { method, headers, body })`, as in the Fetch API;
   * `url` must be absolute (there is no base to resolve against).
   */
  constructor(input, init = {}) {
    const from = input instanceof Request ? input : null;
    const headers = new Headers(init.headers ?? from?.headers);
    let bytes = null;
    if (init.body !== undefined && init.body !== null) {
      const body = bodyInit(init.body);
      bytes = body.bytes;
      if (body.type !== null && !headers.has("content-type")) headers.set("content-type", body.type);
    } else if (from !== null && init.body === undefined) {
      bytes = Body.copyBody(from);
    }
    super(headers, bytes, init[READ] ?? null);
    this.method = method(init.method ?? from?.method ?? "GET");
    if ((this.method === "GET" || this.method === "HEAD") && bytes !== null) {
      throw new TypeError(`a ${this.method} request cannot have a body`);
    }
    this.url = from !== null ? from.url : String(input);
  }

  /** A copy whose body can be read separately. */
  clone() {
    return new Request(this.url, { method: this.method, headers: this.headers, body: Body.copyBody(this) });
  }

  get [Symbol.toStringTag]() {
    return "Request";
  }
}

/** Passes a lazy body reader to the constructors; only the SDK has it. */
export const READ = Symbol("switchboard.read");

const REDIRECTS = [301, 302, 303, 307, 308];

/** An HTTP response: what a handler returns, or what `fetch` resolves to. */
export class Response extends Body {
  /** `new Response(body, { status, statusText, headers })`, as in the Fetch API. */
  constructor(body = null, init = {}) {
    const headers = new Headers(init.headers);
    const { bytes, type } = bodyInit(body);
    if (type !== null && !headers.has("content-type")) headers.set("content-type", type);
    super(headers, bytes, init[READ] ?? null);
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`a response status must be a whole number from 200 to 599, not ${JSON.stringify(status)}`);
    }
    if ((status === 204 || status === 205 || status === 304) && bytes !== null && bytes.length > 0) {
      throw new TypeError(`a ${status} response cannot have a body`);
    }
    this.status = status;
    this.statusText = init.statusText === undefined ? "" : String(init.statusText);
    this.url = init[URL_KEY] ?? "";
  }

  /** True for a status from 200 to 299. */
  get ok() {
    return this.status >= 200 && this.status <= 299;
  }

  get type() {
    return "default";
  }

  get redirected() {
    return false;
  }

  /** A copy whose body can be read separately. */
  clone() {
    return new Response(Body.copyBody(this), { status: this.status, statusText: this.statusText, headers: this.headers });
  }

  /** A JSON response: `Response.json({ ok: true }, { status: 201 })`. */
  static json(value, init = {}) {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`${typeof value} cannot be sent as JSON`);
    const headers = new Headers(init.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    return new Response(text, { ...init, headers });
  }

  /** A redirect to an absolute URL. */
  static redirect(url, status = 302) {
    if (!REDIRECTS.includes(status)) throw new RangeError(`${status} is not a redirect status`);
    return new Response(null, { status, headers: { location: String(url) } });
  }

  get [Symbol.toStringTag]() {
    return "Response";
  }
}

/** Passes the fetched URL to the Response constructor; only the SDK has it. */
export const URL_KEY = Symbol("switchboard.url");

/** An outbound request failed before a response came: refused by the
 *  host (`code` "HTTP-request-denied"), a DNS error, a refused connection,
 *  a timeout... `code` is the wasi:http error code's name. */
export class FetchError extends TypeError {
  constructor(message, code) {
    super(message);
    this.name = "FetchError";
    this.code = code;
  }
}
