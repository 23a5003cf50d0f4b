// The conformance app's `[room]/action_text` route: the text data type and
// route params.
import { socket } from "switchboard";

export const config = { type: "text", timeout: 5 };

export default async function ({ data, params }) {
  await socket.send({ room: params.room, raw: data });
}
