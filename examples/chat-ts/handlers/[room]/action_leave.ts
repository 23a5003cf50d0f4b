// `{"action": "leave", "room": "lobby"}`: leave a room.
import { socket, type Request } from "switchboard";
import { leave, whoAndWhere } from "../../lib/chat.ts";

export default async function (req: Request): Promise<void> {
  const { user, room } = whoAndWhere(req);
  await leave(user, room);
  await socket.send({ type: "left", room, user });
}
