// `{"action": "leave", "room": "lobby"}`: leave a room.
import { socket, type Config, type Request } from "switchboard";
import { leave, whoAndWhere } from "../../lib/chat.ts";

// Warm (instances reused between calls): every bit of state is in the
// store, none in module scope.
export const config: Config = { instances: "warm" };

export default async function (req: Request): Promise<void> {
  const { user, room } = whoAndWhere(req);
  await leave(user, room);
  await socket.send({ type: "left", room, user });
}
