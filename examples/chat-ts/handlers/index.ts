// Anything else: say what the chat understands.
import type { Config } from "switchboard";

// Warm (instances reused between calls): no module state at all.
export const config: Config = { type: "frame", instances: "warm" };

export default function (): void {
  throw new Error(
    'unknown message; send {"action":"join"|"leave","room":ROOM} or {"action":"say","room":ROOM,"text":TEXT}',
  );
}
