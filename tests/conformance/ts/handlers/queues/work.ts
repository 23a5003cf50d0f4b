// The conformance app's `queues/work` job (tests/conformance/README.md):
// fails on purpose until its attempt reaches `payload.fail_until`, then
// reports what it received to the job's user.
import { context, socket, SwitchboardError, type Job, type QueueConfig } from "switchboard";

interface Work {
  fail_until?: number;
  tag?: string;
}

export const config: QueueConfig = { maxAttempts: 3 };

export default async function ({ id, payload, user, attempt }: Job<Work>): Promise<void> {
  if (typeof payload.fail_until === "number" && attempt < payload.fail_until) {
    throw new Error(`attempt ${attempt} failed`);
  }
  try {
    await socket.send({
      job: id,
      tag: payload.tag ?? null,
      attempt,
      context_attempt: context.attempt(),
      user: user?.id ?? null,
      lang: "ts",
    });
  } catch (error) {
    // A job pushed by an anonymous caller has no one to send to.
    if (!(error instanceof SwitchboardError)) throw error;
  }
}
