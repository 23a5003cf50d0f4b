// `{"action": "join", "room": "lobby"}`: join a room and tell its members.
import { store, type Config, type Request } from "switchboard";
import { roomKey, roomsKey, sendToAll, whoAndWhere } from "../../lib/chat.ts";

// Warm (instances reused between calls): every bit of state is in the
// store, none in module scope.
export const config: Config = { instances: "warm" };

export default async function (req: Request): Promise<void> {
  const { user, room } = whoAndWhere(req);
  await store.setAdd(roomKey(room), user);
  await store.setAdd(roomsKey(user), room);
  const members = await store.setMembers(roomKey(room));
  await sendToAll(members, { type: "joined", room, user, members });
}
