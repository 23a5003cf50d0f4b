// The conformance app's `action_context` route: the call context of a
// socket message (tests/conformance/README.md).
import { context, socket } from "switchboard";

export default async function (): Promise<void> {
  await socket.send({ context: { user: context.user()?.id ?? null, params: context.params() } });
}
