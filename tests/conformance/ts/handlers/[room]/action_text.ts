// The conformance app's `[room]/action_text` route: the text data type and
// route params.
import { socket, type Config, type Request } from "switchboard";

export const config: Config = { type: "text", timeout: 5 };

export default async function ({ data, params }: Request<string>): Promise<void> {
  await socket.send({ room: params.room, raw: data });
}
