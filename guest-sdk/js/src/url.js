// Small `URL` and `URLSearchParams`, for QuickJS, which has neither: enough
// for `new URL(request.url).searchParams.get("q")`. Absolute http(s)-style
// URLs (`scheme://host/path?query#hash`); a relative one needs a base and
// is resolved against it without normalising `.`/`..` segments.

const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/;
const DEFAULT_PORTS = { "http:": "80", "https:": "443", "ws:": "80", "wss:": "443" };

function decodeComponent(text) {
  const spaced = text.replace(/\+/g, " ");
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

function encodeComponent(text) {
  return encodeURIComponent(text).replace(/%20/g, "+");
}

/** Query parameters, in order: `new URLSearchParams("a=1&b=2").get("a")`. */
export class URLSearchParams {
  #list = [];
  #onChange;

  /** From a query string (with or without `?`), pairs, or a record. */
  constructor(init = "", onChange = null) {
    this.#onChange = onChange;
    if (typeof init === "string") this.#parse(init);
    else if (init instanceof URLSearchParams) this.#list = init.#list.map(([k, v]) => [k, v]);
    else if (init !== null && typeof init === "object" && typeof init[Symbol.iterator] === "function") {
      for (const [name, value] of init) this.#list.push([String(name), String(value)]);
    } else if (init !== null && typeof init === "object") {
      for (const name of Object.keys(init)) this.#list.push([name, String(init[name])]);
    }
  }

  #parse(text) {
    this.#list = [];
    const query = text.startsWith("?") ? text.slice(1) : text;
    for (const part of query.split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const name = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? "" : part.slice(eq + 1);
      this.#list.push([decodeComponent(name), decodeComponent(value)]);
    }
  }

  #changed() {
    this.#onChange?.(this.toString());
  }

  /** Replaces the contents from a query string; for URL's `search` setter. */
  static reset(params, text) {
    params.#parse(text);
  }

  get size() {
    return this.#list.length;
  }

  append(name, value) {
    this.#list.push([String(name), String(value)]);
    this.#changed();
  }

  delete(name) {
    this.#list = this.#list.filter(([n]) => n !== String(name));
    this.#changed();
  }

  /** The first value with this name, or null. */
  get(name) {
    const found = this.#list.find(([n]) => n === String(name));
    return found === undefined ? null : found[1];
  }

  getAll(name) {
    return this.#list.filter(([n]) => n === String(name)).map(([, v]) => v);
  }

  has(name) {
    return this.#list.some(([n]) => n === String(name));
  }

  set(name, value) {
    const key = String(name);
    const index = this.#list.findIndex(([n]) => n === key);
    if (index < 0) this.#list.push([key, String(value)]);
    else {
      this.#list[index] = [key, String(value)];
      this.#list = this.#list.filter(([n], i) => n !== key || i <= index);
    }
    this.#changed();
  }

  sort() {
    this.#list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#changed();
  }

  *entries() {
    for (const [name, value] of this.#list) yield [name, value];
  }

  *keys() {
    for (const [name] of this.#list) yield name;
  }

  *values() {
    for (const [, value] of this.#list) yield value;
  }

  forEach(callback, thisArg) {
    for (const [name, value] of this.#list) callback.call(thisArg, value, name, this);
  }

  [Symbol.iterator]() {
    return this.entries();
  }

  /** `a=1&b=x+y`, without `?`. */
  toString() {
    return this.#list.map(([n, v]) => `${encodeComponent(n)}=${encodeComponent(v)}`).join("&");
  }
}

function resolve(input, base) {
  if (ABSOLUTE.test(input)) return input;
  if (base === undefined) throw new TypeError(`${JSON.stringify(input)} is not an absolute URL`);
  const parent = new URL(base);
  if (input.startsWith("//")) return `${parent.protocol}${input}`;
  if (input.startsWith("/")) return `${parent.origin}${input}`;
  if (input.startsWith("?")) return `${parent.origin}${parent.pathname}${input}`;
  if (input.startsWith("#")) return `${parent.origin}${parent.pathname}${parent.search}${input}`;
  const dir = parent.pathname.slice(0, parent.pathname.lastIndexOf("/") + 1);
  return `${parent.origin}${dir}${input}`;
}

/** A parsed absolute URL: `new URL("/a?b=1", request.url).searchParams`. */
export class URL {
  #protocol;
  #username = "";
  #password = "";
  #hostname;
  #port;
  #pathname;
  #search;
  #hash;
  #params;

  constructor(input, base) {
    const text = resolve(String(input).trim(), base === undefined ? undefined : String(base));
    const [, scheme, authority, path, query = "", hash = ""] = ABSOLUTE.exec(text);
    this.#protocol = `${scheme.toLowerCase()}:`;
    let host = authority;
    const at = host.lastIndexOf("@");
    if (at >= 0) {
      const info = host.slice(0, at);
      host = host.slice(at + 1);
      const colon = info.indexOf(":");
      this.#username = colon < 0 ? info : info.slice(0, colon);
      this.#password = colon < 0 ? "" : info.slice(colon + 1);
    }
    const port = /:(\d*)$/.exec(host);
    this.#hostname = (port ? host.slice(0, port.index) : host).toLowerCase();
    this.#port = port && port[1] !== DEFAULT_PORTS[this.#protocol] ? port[1] : "";
    this.#pathname = path === "" ? "/" : path;
    this.#search = query;
    this.#hash = hash === "#" ? "" : hash;
    this.#params = new URLSearchParams(this.search, (text) => {
      this.#search = text === "" ? "" : `?${text}`;
    });
  }

  get protocol() {
    return this.#protocol;
  }
  get username() {
    return this.#username;
  }
  get password() {
    return this.#password;
  }
  get hostname() {
    return this.#hostname;
  }
  get port() {
    return this.#port;
  }
  get host() {
    return this.#port === "" ? this.#hostname : `${this.#hostname}:${this.#port}`;
  }
  get origin() {
    return `${this.#protocol}//${this.host}`;
  }
  get pathname() {
    return this.#pathname;
  }
  set pathname(value) {
    const text = String(value);
    this.#pathname = text.startsWith("/") ? text : `/${text}`;
  }
  get search() {
    // A bare `?` stays in `href` but is no query.
    return this.#search === "?" ? "" : this.#search;
  }
  set search(value) {
    const text = String(value);
    this.#search = text === "" || text === "?" ? "" : text.startsWith("?") ? text : `?${text}`;
    URLSearchParams.reset(this.#params, this.#search);
  }
  get searchParams() {
    return this.#params;
  }
  get hash() {
    return this.#hash;
  }
  set hash(value) {
    const text = String(value);
    this.#hash = text === "" || text === "#" ? "" : text.startsWith("#") ? text : `#${text}`;
  }
  get href() {
    const info = this.#username === "" ? "" : `${this.#username}${this.#password === "" ? "" : `:${this.#password}`}@`;
    return `${this.#protocol}//${info}${this.host}${this.#pathname}${this.#search}${this.#hash}`;
  }

  toString() {
    return this.href;
  }

  toJSON() {
    return this.href;
  }

  /** True when `new URL(input, base)` would not throw. */
  static canParse(input, base) {
    try {
      new URL(input, base);
      return true;
    } catch {
      return false;
    }
  }
}
