// The conformance app's `index` route: one operation per message, chosen
// by its `op` field (tests/conformance/README.md). JSON replies are written
// in the Rust version's canonical form (sorted keys), so the bytes match.
import { rawJson, socket, store } from "switchboard";
import { canonical, field, parse, sortBytes, write } from "../lib/canonical.js";

const ops = {
  async echo(msg, req) {
    const claims = req.user?.claims == null ? "null" : canonical(req.user.claims);
    const user = req.user ? JSON.stringify(req.user.id) : "null";
    await socket.send(rawJson(`{"claims":${claims},"echo":${write(msg)},"user":${user}}`));
  },

  async send_to(msg) {
    const users = field(msg, "users");
    if (!users?.array || users.array.some((u) => !("string" in u))) {
      throw new Error("users must be an array of strings");
    }
    const message = field(msg, "message");
    const ids = users.array.map((u) => u.string);
    await socket.to(ids).send(rawJson(message ? write(message) : "null"));
    await socket.send(rawJson(`{"sent_to":${ids.length}}`));
  },

  async online(msg) {
    const user = field(msg, "user");
    const on = user !== undefined && "string" in user && (await socket.isOnline(user.string));
    await socket.send(rawJson(`{"online":${on},"user":${user ? write(user) : "null"}}`));
  },

  async fail() {
    throw new Error("failed on purpose");
  },

  async store(msg) {
    const key = field(msg, "key");
    const value = field(msg, "value");
    if (!key || !("string" in key) || !value || !("string" in value)) {
      throw new Error("key and value must be strings");
    }
    await store.set(key.string, value.string);
    const stored = await store.get(key.string);
    await socket.send(rawJson(`{"stored":${JSON.stringify(stored)}}`));
  },

  async members(msg) {
    const key = field(msg, "key");
    if (!key || !("string" in key)) throw new Error("key must be a string");
    const members = sortBytes(await store.setMembers(key.string));
    await socket.send(rawJson(`{"members":${JSON.stringify(members)}}`));
  },

  async binary() {
    await socket.send(new Uint8Array([0, 1, 2, 255]));
  },

  async text() {
    await socket.send("plain text");
  },
};

export default async function (req) {
  const msg = parse(req.raw);
  const op = field(msg, "op");
  const run = op && "string" in op && Object.hasOwn(ops, op.string) ? ops[op.string] : null;
  if (!run) throw new Error("unknown op");
  await run(msg, req);
}
