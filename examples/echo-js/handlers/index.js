// Echoes every frame back unchanged: text as text, binary as binary.
import { socket } from "switchboard";

export const config = { type: "frame" };

export default async function ({ data }) {
  await socket.send(data);
}
