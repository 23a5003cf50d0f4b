// The conformance app's `schedules/tick` schedule (tests/conformance/README.md):
// every second, tells user `watcher` about the tick, and about the error
// of a plain `send` (a schedule has no user).
import { socket, SwitchboardError } from "switchboard";

export const config = { cron: "* * * * * *" };

export default async function ({ scheduledAt, catchUp }) {
  let sendError = null;
  try {
    await socket.send({});
  } catch (error) {
    if (!(error instanceof SwitchboardError)) throw error;
    sendError = error.message;
  }
  await socket.to(["watcher"]).send({ tick: "js", scheduled_at: scheduledAt, catch_up: catchUp, send_error: sendError });
}
