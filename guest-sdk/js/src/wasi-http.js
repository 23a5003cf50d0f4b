// The Fetch API over wasi:http, for `api/` handlers (`build --http`): the
// incoming request as a `Request`, a `Response` written back, and `fetch`
// over wasi:http/outgoing-handler. Every wasi:http call here blocks (the
// host runs components without the async ABI), so each settles within the
// call like the rest of the SDK.
//
// The build resolves `#wasi-http` to this module for HTTP handlers and to
// src/wasi-http-none.js for socket handlers, whose world has no wasi:http.

// Unversioned: the build names the version of the assembled WIT.
import * as types from "wasi:http/types";
import * as outgoing from "wasi:http/outgoing-handler";
import { FetchError, Headers, READ, Request, Response, URL_KEY, readBody } from "./fetch-api.js";
import { encode, latin1, latin1Bytes } from "./utf8.js";

/** At most this many bytes per output-stream write, whatever check-write allows. */
const MAX_WRITE = 65536;
/** Bytes asked for per input-stream read. */
const READ_SIZE = 65536;

function drop(resource) {
  resource?.[Symbol.dispose]?.();
}

/** The stream-error or error-code a failed wasi call threw, or the error itself. */
function payload(error) {
  return error !== null && typeof error === "object" && "payload" in error ? error.payload : error;
}

function streamErrorText(error) {
  const value = payload(error);
  if (value?.tag === "last-operation-failed") {
    const code = httpCode(value.val);
    let text = code ? errorCodeText(code) : null;
    if (text === null) {
      try {
        text = value.val.toDebugString();
      } catch {
        text = "the stream failed";
      }
    }
    drop(value.val);
    return text;
  }
  if (value?.tag === "closed") return "the stream was closed";
  return error instanceof Error ? error.message : String(error);
}

function httpCode(ioError) {
  try {
    return types.httpErrorCode(ioError);
  } catch {
    return null;
  }
}

/** Reads an input stream to its end. */
function readAll(stream) {
  const chunks = [];
  let total = 0;
  for (;;) {
    let chunk;
    try {
      chunk = stream.blockingRead(READ_SIZE);
    } catch (error) {
      if (payload(error)?.tag === "closed") break;
      throw new Error(`reading a body failed: ${streamErrorText(error)}`);
    }
    if (chunk.length > 0) {
      const bytes = chunk instanceof Uint8Array ? chunk : Uint8Array.from(chunk);
      chunks.push(bytes);
      total += bytes.length;
    }
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Reads an incoming body (of a request or a response) and finishes it. */
function readIncomingBody(body) {
  const stream = body.stream();
  let bytes;
  try {
    bytes = readAll(stream);
  } finally {
    drop(stream);
  }
  drop(types.IncomingBody.finish(body));
  return bytes;
}

/** Writes all of `bytes` to an output stream, as check-write allows. */
function writeAll(stream, bytes) {
  let offset = 0;
  try {
    while (offset < bytes.length) {
      const allowed = Number(stream.checkWrite());
      if (allowed === 0) {
        const ready = stream.subscribe();
        ready.block();
        drop(ready);
        continue;
      }
      const end = offset + Math.min(allowed, MAX_WRITE, bytes.length - offset);
      stream.write(bytes.subarray(offset, end));
      offset = end;
    }
    stream.blockingFlush();
  } catch (error) {
    throw new Error(`writing a body failed: ${streamErrorText(error)}`);
  }
}

/** Writes an outgoing body (of a response or a request) and finishes it. */
function writeOutgoingBody(body, bytes) {
  const stream = body.write();
  try {
    writeAll(stream, bytes);
  } finally {
    drop(stream);
  }
  types.OutgoingBody.finish(body, null);
}

function headersFrom(fields) {
  const headers = new Headers();
  for (const [name, value] of fields.entries()) headers.append(name, latin1(value));
  drop(fields);
  return headers;
}

/** Header lines as wasi:http fields; a line the host refuses is an error that names it. */
function fieldsFrom(headers) {
  const lines = Headers.lines(headers).map(([name, value]) => [name, latin1Bytes(value)]);
  try {
    return types.Fields.fromList(lines);
  } catch (error) {
    const code = payload(error);
    // Find the line the host refused, for the message.
    for (const [name, value] of lines) {
      try {
        drop(types.Fields.fromList([[name, value]]));
      } catch (single) {
        throw new TypeError(`header ${JSON.stringify(name)} is not allowed (${payload(single)?.tag ?? "invalid"})`);
      }
    }
    throw new TypeError(`the headers are not allowed (${code?.tag ?? "invalid"})`);
  }
}

const METHOD_TAGS = {
  GET: "get",
  HEAD: "head",
  POST: "post",
  PUT: "put",
  DELETE: "delete",
  CONNECT: "connect",
  OPTIONS: "options",
  TRACE: "trace",
  PATCH: "patch",
};

function methodName(method) {
  return method.tag === "other" ? method.val : method.tag.toUpperCase();
}

function methodVariant(name) {
  const tag = METHOD_TAGS[name];
  return tag ? { tag } : { tag: "other", val: name };
}

/** The request an `api/` handler receives; its body is read when first used. */
export function incomingRequest(request) {
  const scheme = request.scheme();
  const schemeName = scheme === null ? "http" : scheme.tag === "other" ? scheme.val : scheme.tag.toLowerCase();
  const headers = headersFrom(request.headers());
  const authority = request.authority() ?? headers.get("host") ?? "localhost";
  const path = request.pathWithQuery() ?? "/";
  const method = methodName(request.method());
  const url = `${schemeName}://${authority}${path.startsWith("/") ? "" : "/"}${path}`;
  // Read whatever body came, whatever the method (the wire allows one on
  // a GET too).
  return new Request(url, { method, headers, [READ]: () => readIncomingBody(request.consume()) });
}

const NO_BODY = [204, 205, 304];

// Connection-level headers: they describe one hop, and the host sets its
// own (wasi:http refuses them), so a response passed on from `fetch`
// loses them, as at any proxy.
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"];

/** The headers to send with a buffered body of `length` bytes (or none). */
function wireHeaders(headers, length) {
  const out = new Headers(headers);
  for (const name of HOP_BY_HOP) out.delete(name);
  if (length === null) out.delete("content-length");
  else out.set("content-length", String(length));
  return out;
}

/** Sends `response` through the response-outparam of the call. */
export function sendResponse(response, outparam) {
  const bytes = readBody(response);
  const headers = wireHeaders(response.headers, NO_BODY.includes(response.status) ? null : bytes.length);
  const outgoingResponse = new types.OutgoingResponse(fieldsFrom(headers));
  try {
    outgoingResponse.setStatusCode(response.status);
  } catch {
    throw new RangeError(`the host refused status ${response.status}`);
  }
  const body = outgoingResponse.body();
  types.ResponseOutparam.set(outparam, { tag: "ok", val: outgoingResponse });
  writeOutgoingBody(body, bytes);
}

/** Answers with an error status and a JSON body `{"error": message}`. */
export function sendError(outparam, status, message) {
  sendResponse(Response.json({ error: message }, { status }), outparam);
}

/** A readable sentence for a wasi:http error-code. */
export function errorCodeText(code) {
  const tag = code?.tag ?? String(code);
  const detail = code?.val;
  switch (tag) {
    case "HTTP-request-denied":
      return "HTTP-request-denied: the host does not allow requests to this URL (it is not in the allowed outbound hosts)";
    case "DNS-error":
      return `DNS-error: ${detail?.rcode ?? "the name did not resolve"}`;
    case "destination-not-found":
      return "destination-not-found: the host name did not resolve";
    case "connection-refused":
      return "connection-refused: nothing accepted the connection";
    case "connection-timeout":
      return "connection-timeout: the connection was not established in time";
    case "HTTP-response-timeout":
      return "HTTP-response-timeout: no response came in time";
    case "internal-error":
      return `internal-error${detail ? `: ${detail}` : ""}`;
    default:
      if (detail === undefined || detail === null) return tag;
      return `${tag}: ${typeof detail === "object" ? JSON.stringify(detail) : String(detail)}`;
  }
}

function failed(url, code) {
  const tag = code?.tag ?? "internal-error";
  return new FetchError(`fetch ${url} failed: ${errorCodeText(code)}`, tag);
}

/** Scheme, authority and path-with-query of an absolute http(s) URL. */
function parseUrl(url) {
  const found = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/.exec(url);
  if (!found || found[2] === "") throw new TypeError(`fetch needs an absolute URL, not ${JSON.stringify(url)}`);
  const scheme = found[1].toLowerCase();
  if (scheme !== "http" && scheme !== "https") throw new TypeError(`fetch supports http and https URLs, not ${scheme}:`);
  const path = found[3] === "" ? "/" : found[3].startsWith("/") ? found[3] : `/${found[3]}`;
  return { scheme: { tag: scheme === "https" ? "HTTPS" : "HTTP" }, authority: found[2], path };
}

/** The outcome of a future-incoming-response, once ready: ok(response) or err(code). */
function awaitResponse(future) {
  const ready = future.subscribe();
  ready.block();
  drop(ready);
  let outcome = future.get();
  drop(future);
  // option<result<result<incoming-response, error-code>, _>>: after block(), it is some.
  if (outcome?.tag === "some") outcome = outcome.val;
  if (outcome?.tag === "err" && outcome.val === undefined) {
    return { tag: "err", val: { tag: "internal-error", val: "the response was already taken" } };
  }
  if (outcome?.tag === "ok") outcome = outcome.val;
  return outcome;
}

function send(request) {
  const { scheme, authority, path } = parseUrl(request.url);
  const bytes = readBody(request);
  const hasBody = bytes.length > 0 || !["GET", "HEAD"].includes(request.method);
  const headers = wireHeaders(request.headers, hasBody ? bytes.length : null);
  const outgoingRequest = new types.OutgoingRequest(fieldsFrom(headers));
  const set = (what, value, call) => {
    try {
      call();
    } catch {
      throw new TypeError(`fetch ${request.url}: the host refused the ${what} ${JSON.stringify(value)}`);
    }
  };
  set("method", request.method, () => outgoingRequest.setMethod(methodVariant(request.method)));
  set("scheme", scheme.tag, () => outgoingRequest.setScheme(scheme));
  set("authority", authority, () => outgoingRequest.setAuthority(authority));
  set("path", path, () => outgoingRequest.setPathWithQuery(path));
  const body = hasBody ? outgoingRequest.body() : null;
  let future;
  try {
    future = outgoing.handle(outgoingRequest, null);
  } catch (error) {
    drop(body);
    throw failed(request.url, payload(error));
  }
  if (body !== null) writeOutgoingBody(body, bytes);
  const outcome = awaitResponse(future);
  if (outcome?.tag === "err") throw failed(request.url, outcome.val);
  const incoming = outcome?.tag === "ok" ? outcome.val : outcome;
  const status = incoming.status();
  const responseHeaders = headersFrom(incoming.headers());
  const bodyBytes = readIncomingBody(incoming.consume());
  drop(incoming);
  return new Response(NO_BODY.includes(status) ? null : bodyBytes, {
    status,
    headers: responseHeaders,
    [URL_KEY]: request.url,
  });
}

/**
 * `fetch(url, { method, headers, body })` over wasi:http/outgoing-handler,
 * as in the Fetch API. The request is made at once and the promise is
 * settled when returned. It rejects with a FetchError when no response
 * comes (the host refused the URL, DNS, connection, timeout); an HTTP
 * error status is a response like any other.
 */
export function fetch(input, init) {
  try {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    return Promise.resolve(send(request));
  } catch (error) {
    return Promise.reject(error);
  }
}

export const available = true;
