// The conformance app's `[room]/action_context` route: the call context,
// with the room param (tests/conformance/README.md).
import { context, socket } from "switchboard";

export default async function (): Promise<void> {
  await socket.send({ context: { user: context.user()?.id ?? null, params: context.params() } });
}
