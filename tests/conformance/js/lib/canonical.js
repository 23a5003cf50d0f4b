// JSON in the form the Rust version writes (serde_json): object keys
// sorted by their UTF-8 bytes, the last of duplicate keys kept, numbers
// as serde_json prints them, no whitespace. Works on the JSON text, so
// that numbers keep what JavaScript numbers would lose.

/** Parses JSON text into a tree that keeps each number's text. */
export function parse(text) {
  let at = 0;
  const space = () => {
    while (at < text.length && " \t\n\r".includes(text[at])) at++;
  };
  const value = () => {
    space();
    const c = text[at];
    if (c === "{") {
      at++;
      const entries = new Map();
      space();
      if (text[at] === "}") {
        at++;
        return { object: entries };
      }
      for (;;) {
        space();
        const key = string();
        space();
        at++; // ':'
        entries.delete(key);
        entries.set(key, value());
        space();
        if (text[at++] === "}") return { object: entries };
      }
    }
    if (c === "[") {
      at++;
      const items = [];
      space();
      if (text[at] === "]") {
        at++;
        return { array: items };
      }
      for (;;) {
        items.push(value());
        space();
        if (text[at++] === "]") return { array: items };
      }
    }
    if (c === '"') return { string: string() };
    const match = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(at));
    if (!match) throw new Error("not JSON");
    at += match[0].length;
    return { literal: match[0] };
  };
  const string = () => {
    const start = at;
    at++;
    while (text[at] !== '"') at += text[at] === "\\" ? 2 : 1;
    at++;
    return JSON.parse(text.slice(start, at));
  };
  return value();
}

function compareBytes(a, b) {
  const x = Array.from(a, (c) => c.codePointAt(0));
  const y = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

// serde_json prints integers as written and other numbers like ryu.
function number(text) {
  if (/^-?\d+$/.test(text)) {
    // u64 and negative i64 stay integers; serde_json reads -0 as a float.
    const n = BigInt(text);
    if (n >= 0n && n < 2n ** 64n && text[0] !== "-") return text;
    if (n < 0n && n >= -(2n ** 63n)) return text;
  }
  const x = Number(text);
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mantissa, exp] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const kk = Number(exp) + 1;
  const k = kk - digits.length;
  if (k >= 0 && kk <= 16) return `${sign}${digits}${"0".repeat(k)}.0`;
  if (kk > 0 && kk <= 16) return `${sign}${digits.slice(0, kk)}.${digits.slice(kk)}`;
  if (kk > -5 && kk <= 0) return `${sign}0.${"0".repeat(-kk)}${digits}`;
  const rest = digits.length > 1 ? `.${digits.slice(1)}` : "";
  return `${sign}${digits[0]}${rest}e${kk > 0 ? "+" : ""}${kk - 1}`;
}

/** Writes a tree from `parse` in canonical form. */
export function write(tree) {
  if (tree.object) {
    const keys = [...tree.object.keys()].sort(compareBytes);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${write(tree.object.get(k))}`).join(",")}}`;
  }
  if (tree.array) return `[${tree.array.map(write).join(",")}]`;
  if ("string" in tree) return JSON.stringify(tree.string);
  if (/^[tfn]/.test(tree.literal)) return tree.literal;
  return number(tree.literal);
}

/** A JavaScript value in canonical form. */
export function canonical(value) {
  return write(parse(JSON.stringify(value)));
}

/** One field of a parsed object, or undefined. */
export function field(tree, name) {
  return tree.object ? tree.object.get(name) : undefined;
}

/** Sorts strings by their UTF-8 bytes. */
export function sortBytes(list) {
  return [...list].sort(compareBytes);
}
