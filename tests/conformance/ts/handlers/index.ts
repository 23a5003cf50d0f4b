// The conformance app's `index` route: one operation per message, chosen
// by its `op` field (tests/conformance/README.md). JSON replies are written
// in the Rust version's canonical form (sorted keys), so the bytes match.
import { rawJson, socket, store, type Request } from "switchboard";
import { canonical, field, parse, sortBytes, str, write, type Tree } from "../lib/canonical.ts";

type Op = (msg: Tree, req: Request) => Promise<void>;

const ops: Record<string, Op> = {
  async echo(msg, req) {
    const claims = req.user?.claims == null ? "null" : canonical(req.user.claims);
    const user = req.user ? JSON.stringify(req.user.id) : "null";
    await socket.send(rawJson(`{"claims":${claims},"echo":${write(msg)},"user":${user}}`));
  },

  async send_to(msg) {
    const users = field(msg, "users");
    const ids = users && "array" in users ? users.array.map(str) : undefined;
    if (!ids || ids.some((id) => id === undefined)) throw new Error("users must be an array of strings");
    const message = field(msg, "message");
    await socket.to(ids as string[]).send(rawJson(message ? write(message) : "null"));
    await socket.send(rawJson(`{"sent_to":${ids.length}}`));
  },

  async online(msg) {
    const user = field(msg, "user");
    const id = str(user);
    const on = id !== undefined && (await socket.isOnline(id));
    await socket.send(rawJson(`{"online":${on},"user":${user ? write(user) : "null"}}`));
  },

  async fail() {
    throw new Error("failed on purpose");
  },

  async store(msg) {
    const key = str(field(msg, "key"));
    const value = str(field(msg, "value"));
    if (key === undefined || value === undefined) throw new Error("key and value must be strings");
    await store.set(key, value);
    const stored = await store.get(key);
    await socket.send(rawJson(`{"stored":${JSON.stringify(stored)}}`));
  },

  async members(msg) {
    const key = str(field(msg, "key"));
    if (key === undefined) throw new Error("key must be a string");
    const members = sortBytes(await store.setMembers(key));
    await socket.send(rawJson(`{"members":${JSON.stringify(members)}}`));
  },

  async binary() {
    await socket.send(new Uint8Array([0, 1, 2, 255]));
  },

  async text() {
    await socket.send("plain text");
  },
};

export default async function (req: Request): Promise<void> {
  const msg = parse(req.raw as string);
  const op = str(field(msg, "op"));
  const run = op !== undefined && Object.hasOwn(ops, op) ? ops[op] : undefined;
  if (!run) throw new Error("unknown op");
  await run(msg, req);
}
