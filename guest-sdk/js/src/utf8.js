// UTF-8 without TextEncoder/TextDecoder, which QuickJS does not have.
// Uses them when the engine does.
//
// A JavaScript loop costs QuickJS thousands of Wasm instructions (fuel) a
// byte, so the work is left to the engine's native functions:
// - bytes <-> a binary string (one character 0-255 a byte): atob/btoa over
//   Uint8Array's toBase64/fromBase64 (QuickJS-ng has all four), else
//   String.fromCharCode over chunks and a charCodeAt loop;
// - UTF-8 in a binary string <-> text: escape + decodeURIComponent and
//   encodeURIComponent + unescape. These convert UTF-8 exactly and throw a
//   URIError on what they cannot: malformed UTF-8 (decodeURIComponent) and
//   lone surrogates (encodeURIComponent).
// Only the malformed parts of a body go through the per-byte decoder.

const Encoder = globalThis.TextEncoder;
const Decoder = globalThis.TextDecoder;

const BASE64 =
  typeof Uint8Array.fromBase64 === "function" &&
  typeof Uint8Array.prototype.toBase64 === "function" &&
  typeof globalThis.atob === "function" &&
  typeof globalThis.btoa === "function";

/** Arguments per String.fromCharCode call: well below engines' limits. */
const CHUNK = 8192;

/** Bytes as a string of one character (0-255) a byte. */
function binaryString(bytes) {
  if (BASE64) return atob(bytes.toBase64());
  let out = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK));
  }
  return out;
}

/** A string of characters 0-255 as bytes, one a character. */
function binaryBytes(binary) {
  if (BASE64) return Uint8Array.fromBase64(btoa(binary));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function asBytes(bytes) {
  return bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
}

/** Runs a native URI conversion; null when it refuses its input. */
function uriCall(convert, text) {
  try {
    return convert(text);
  } catch (error) {
    if (error instanceof URIError) return null;
    throw error;
  }
}

const toWellFormed = String.prototype.toWellFormed;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The text with each lone surrogate replaced by U+FFFD. */
function wellFormed(text) {
  if (typeof toWellFormed === "function") return toWellFormed.call(text);
  return text.replace(LONE_SURROGATE, "\ufffd");
}

const encodeUtf8 = (text) => unescape(encodeURIComponent(text));

/** A string as UTF-8 bytes; lone surrogates become U+FFFD. */
export function encode(text) {
  if (Encoder) return new Encoder().encode(text);
  const string = String(text);
  return binaryBytes(uriCall(encodeUtf8, string) ?? encodeUtf8(wellFormed(string)));
}

const decodeUtf8 = (binary) => decodeURIComponent(escape(binary));

/** Malformed pieces at most this long are decoded byte by byte; longer
 *  ones are split to find the malformed parts. */
const SLOW_PIECE = 256;

/** UTF-8 bytes as a string; each malformed sequence (its maximal valid
 *  prefix) becomes one U+FFFD, as TextDecoder does. */
export function decode(bytes) {
  if (Decoder) return new Decoder().decode(bytes);
  const view = asBytes(bytes);
  return decodePiece(view, binaryString(view), 0, view.length);
}

const continuation = (byte) => (byte & 0xc0) === 0x80;

// Decodes bytes[start, end), whose binary string is binary[start, end).
// Where a byte is not a continuation byte, the WHATWG decoder ends any
// unfinished sequence before it with U+FFFD and starts afresh, which is
// what decoding the two sides separately gives: so a malformed piece is
// split there, until the pieces are valid or short.
function decodePiece(bytes, binary, start, end) {
  const whole = start === 0 && end === binary.length ? binary : binary.slice(start, end);
  const text = uriCall(decodeUtf8, whole);
  if (text !== null) return text;
  if (end - start <= SLOW_PIECE) return decodeSlow(bytes.subarray(start, end));
  const middle = (start + end) >> 1;
  let split = middle;
  while (split < end && continuation(bytes[split])) split++;
  if (split === end) {
    split = middle;
    while (split > start && continuation(bytes[split])) split--;
    if (split === start) return decodeSlow(bytes.subarray(start, end));
  }
  return decodePiece(bytes, binary, start, split) + decodePiece(bytes, binary, split, end);
}

/** The WHATWG UTF-8 decoder, a byte at a time. */
function decodeSlow(bytes) {
  let out = "";
  let units = [];
  let point = 0;
  let needed = 0;
  let seen = 0;
  let lower = 0x80;
  let upper = 0xbf;
  const push = (unit) => {
    units.push(unit);
    if (units.length >= CHUNK) {
      out += String.fromCharCode.apply(null, units);
      units = [];
    }
  };
  const emit = (c) => {
    if (c > 0xffff) {
      c -= 0x10000;
      push(0xd800 + (c >> 10));
      push(0xdc00 + (c & 0x3ff));
    } else push(c);
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (needed === 0) {
      if (b < 0x80) push(b);
      else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
        point = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
        needed = 2;
        point = b & 0xf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        needed = 3;
        point = b & 0x7;
      } else push(0xfffd);
      continue;
    }
    if (b < lower || b > upper) {
      point = needed = seen = 0;
      lower = 0x80;
      upper = 0xbf;
      push(0xfffd);
      i--; // this byte starts afresh
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    point = (point << 6) | (b & 0x3f);
    if (++seen === needed) {
      emit(point);
      point = needed = seen = 0;
    }
  }
  if (needed !== 0) push(0xfffd);
  return out + String.fromCharCode.apply(null, units);
}

/** Header values travel as bytes; they are Latin-1 text (ISO-8859-1). */
export function latin1(bytes) {
  return binaryString(asBytes(bytes));
}

/** A header value as bytes: each character must fit in one byte. */
export function latin1Bytes(text) {
  if (/[^\x00-\xff]/.test(text)) {
    throw new TypeError(`header value ${JSON.stringify(text)} has a character outside Latin-1`);
  }
  return binaryBytes(text);
}
