// UTF-8 without TextEncoder/TextDecoder, which QuickJS does not have.
// Uses them when the engine does.

const Encoder = globalThis.TextEncoder;
const Decoder = globalThis.TextDecoder;

/** A string as UTF-8 bytes; lone surrogates become U+FFFD. */
export function encode(text) {
  if (Encoder) return new Encoder().encode(text);
  const out = new Uint8Array(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 0x3f);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
        continue;
      }
      c = 0xfffd;
    }
    if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return out.slice(0, n);
}

/** UTF-8 bytes as a string; each malformed sequence (its maximal valid
 *  prefix) becomes one U+FFFD, as TextDecoder does. */
export function decode(bytes) {
  if (Decoder) return new Decoder().decode(bytes);
  let out = "";
  let units = [];
  // The WHATWG UTF-8 decoder.
  let point = 0;
  let needed = 0;
  let seen = 0;
  let lower = 0x80;
  let upper = 0xbf;
  const push = (unit) => {
    units.push(unit);
    if (units.length >= 8192) {
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
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode.apply(null, Array.from(bytes.subarray ? bytes.subarray(i, i + 8192) : bytes.slice(i, i + 8192)));
  }
  return out;
}

/** A header value as bytes: each character must fit in one byte. */
export function latin1Bytes(text) {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new TypeError(`header value ${JSON.stringify(text)} has a character outside Latin-1`);
    out[i] = c;
  }
  return out;
}
