// `{"action": "say", "room": "lobby", "text": "hi"}`: a message to every
// member of the room, sent with `send-to`.
import { store, type Config, type Request } from "switchboard";
import { roomKey, sendToAll, utf8Length, whoAndWhere } from "../../lib/chat.ts";

// Warm (instances reused between calls): every bit of state is in the
// store, none in module scope.
export const config: Config = { instances: "warm" };

export default async function (req: Request<{ text?: unknown }>): Promise<void> {
  const { user, room } = whoAndWhere(req);
  const text = req.data?.text;
  if (typeof text !== "string") throw new Error("a message needs a text");
  if (text === "" || utf8Length(text) > 2000) throw new Error("a message is 1 to 2000 characters");
  const members = await store.setMembers(roomKey(room));
  if (!members.includes(user)) throw new Error(`join ${room} first`);
  await sendToAll(members, { type: "message", room, from: user, text });
}
