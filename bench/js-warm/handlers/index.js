// Echoes every frame back unchanged (bench/js/logic.mjs), from warm
// instances, reused from call to call; it keeps no state.
import { socket } from "switchboard";
import { reply } from "../../js/logic.mjs";

export const config = { type: "frame", instances: "warm" };

export default async function ({ data }) {
  await socket.send(reply(data));
}
