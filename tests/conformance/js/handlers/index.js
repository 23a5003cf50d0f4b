// The conformance app's `index` route: one operation per message, chosen
// by its `op` field (tests/conformance/README.md).
import { SwitchboardError, queue, socket, store } from "switchboard";

// The message of the SwitchboardError a call rejects with.
async function reason(call) {
  try {
    await call;
  } catch (error) {
    if (error instanceof SwitchboardError) return error.message;
    throw error;
  }
  throw new Error("the call succeeded");
}

// Pushes a job and reports its id, or the host's reason for refusing it.
async function pushed(push) {
  try {
    await socket.send({ queued: await push });
  } catch (error) {
    if (!(error instanceof SwitchboardError)) throw error;
    await socket.send({ push_error: error.message });
  }
}

const ops = {
  async echo(data, { user }) {
    await socket.send({ echo: data, user: user?.id ?? null, claims: user?.claims ?? null });
  },

  async send_to({ users, message }) {
    await socket.to(users).send(message);
    await socket.send({ sent_to: users.length });
  },

  async online({ user }) {
    await socket.send({ user, online: await socket.isOnline(user) });
  },

  async fail() {
    throw new Error("failed on purpose");
  },

  async store({ key, value }) {
    await store.set(key, value);
    await socket.send({ stored: await store.get(key) });
  },

  async members({ key }) {
    await socket.send({ members: await store.setMembers(key) });
  },

  // Both calls must reject with the host's reason (a key over 256 bytes),
  // which the reply carries unchanged.
  async store_error() {
    const key = "k".repeat(300);
    await socket.send({ get: await reason(store.get(key)), members: await reason(store.setMembers(key)) });
  },

  async binary() {
    await socket.send(new Uint8Array([0, 1, 2, 255]));
  },

  async text() {
    await socket.send("plain text");
  },

  async enqueue({ payload, key, delay_ms }) {
    await pushed(queue.push("work", payload ?? null, { idempotencyKey: key, delayMs: delay_ms }));
  },

  async enqueue_to({ queue: name }) {
    await pushed(queue.push(name, {}));
  },
};

export default async function (req) {
  const op = Object.hasOwn(ops, req.data.op) ? ops[req.data.op] : null;
  if (!op) throw new Error("unknown op");
  await op(req.data, req);
}
