// The conformance app's `action_fresh` route: `action_warm`'s code with
// the default config, a new instance per call, so the count is always 1
// (tests/conformance/README.md).
import { socket, type Request } from "switchboard";

let counter = 0;

export default async function ({ data }: Request<{ spin?: unknown }>): Promise<void> {
  if (data.spin === true) {
    while (true) counter++;
  }
  counter += 1;
  await socket.send({ count: counter, mode: "fresh" });
}
