// `{"action": "join", "room": "lobby"}`: join a room and tell its members.
import { store, type Request } from "switchboard";
import { roomKey, roomsKey, sendToAll, whoAndWhere } from "../../lib/chat.ts";

export default async function (req: Request): Promise<void> {
  const { user, room } = whoAndWhere(req);
  await store.setAdd(roomKey(room), user);
  await store.setAdd(roomsKey(user), room);
  const members = await store.setMembers(roomKey(room));
  await sendToAll(members, { type: "joined", room, user, members });
}
