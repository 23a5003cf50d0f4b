// Echoes every frame back unchanged (bench/js/logic.mjs), from a fresh
// instance per call, like bench/app's Rust echo.
import { socket } from "switchboard";
import { reply } from "../logic.mjs";

export const config = { type: "frame", instances: "fresh" };

export default async function ({ data }) {
  await socket.send(reply(data));
}
