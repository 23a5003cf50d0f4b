// The conformance app's `action_warm` route: a warm component, whose
// module state outlives the call (tests/conformance/README.md).
import { socket, type Config, type Request } from "switchboard";

export const config: Config = { instances: "warm" };

// This instance's count of calls; a new instance starts again at 0.
let counter = 0;

export default async function ({ data }: Request<{ spin?: unknown }>): Promise<void> {
  if (data.spin === true) {
    // Never returns: fuel or the timeout stops the call, and the host
    // discards the instance.
    while (true) counter++;
  }
  counter += 1;
  await socket.send({ count: counter, mode: "warm" });
}
