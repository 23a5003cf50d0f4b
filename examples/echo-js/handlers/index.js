// Echoes every frame back unchanged: text as text, binary as binary.
// Warm: it keeps no state, so instances are reused from call to call.
import { socket } from "switchboard";

export const config = { type: "frame", instances: "warm" };

export default async function ({ data }) {
  await socket.send(data);
}
