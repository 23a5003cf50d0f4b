// Anything else: say what the chat understands.
import type { Config } from "switchboard";

export const config: Config = { type: "frame" };

export default function (): void {
  throw new Error(
    'unknown message; send {"action":"join"|"leave","room":ROOM} or {"action":"say","room":ROOM,"text":TEXT}',
  );
}
