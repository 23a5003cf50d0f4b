// `#wasi-http` for socket handlers, whose world has no wasi:http: `fetch`
// says where it works instead of failing at load time.

import { FetchError } from "./fetch-api.js";

export function fetch(input) {
  const url = typeof input === "string" ? input : input?.url;
  return Promise.reject(
    new FetchError(
      `fetch ${url}: outbound HTTP is only available in api/ HTTP handlers (built with guest-sdk/js/build --http)`,
      "unavailable",
    ),
  );
}

export function incomingRequest() {
  throw new Error("not an HTTP handler");
}

export const sendResponse = incomingRequest;
export const sendError = incomingRequest;

export const available = false;
