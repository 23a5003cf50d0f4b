// The conformance app's `[room]/action_text` route: the text data type and
// route params. Replies {"raw": <the frame's text>, "room": <param>}, keys
// sorted as the Rust version writes them.
import { rawJson, socket } from "switchboard";

export const config = { type: "text", timeout: 5 };

export default async function ({ data, params }) {
  const room = params.room === undefined ? "null" : JSON.stringify(params.room);
  await socket.send(rawJson(`{"raw":${JSON.stringify(data)},"room":${room}}`));
}
