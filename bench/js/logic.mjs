// The echo logic of the benchmark's JavaScript servers, one module for
// all of them: the js and js-warm handlers (bundled into their
// components) and bench/node/js-echo.mjs (run by Node) import it, so
// those rows differ in the runtime alone.
//
// `data` is a frame's payload: a string for a text frame, bytes (a
// Uint8Array) for a binary one. The reply goes back as the same kind of
// frame, so it must stay the same type.

/** The answer to a frame: the frame itself. */
export function reply(data) {
  return data;
}
