// What the chat handlers share: where rooms and presence live in the
// host's store, and fan-out to any number of users.
import { MAX_RECIPIENTS, socket, store, type Request } from "switchboard";

/** Users currently online. */
export const ONLINE = "online";

/** Members of a room. */
export const roomKey = (room: string) => `room:${room}`;

/** Rooms a user is in, so that going offline can leave them all. */
export const roomsKey = (user: string) => `rooms-of:${user}`;

/** The length of a string in UTF-8 bytes. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const c of text) {
    const code = c.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** Sends to every listed user, 100 at a time (the limit of `send-to`). */
export async function sendToAll(users: string[], message: object): Promise<void> {
  for (let i = 0; i < users.length; i += MAX_RECIPIENTS) {
    await socket.to(users.slice(i, i + MAX_RECIPIENTS)).send(message);
  }
}

/** Tells everyone online who is online. */
export async function broadcastOnline(): Promise<void> {
  const online = await store.setMembers(ONLINE);
  await sendToAll(online, { type: "online", users: online });
}

/** The sender's name and the `[room]` param of a request. */
export function whoAndWhere(req: Request): { user: string; room: string } {
  if (!req.user) throw new Error("sign in first");
  const room = req.params.room;
  if (room === undefined) throw new Error("no room");
  if (room === "" || utf8Length(room) > 64) throw new Error("a room name is 1 to 64 characters");
  return { user: req.user.id, room };
}

/** Removes a user from a room and tells the members who are left. */
export async function leave(user: string, room: string): Promise<void> {
  await store.setRemove(roomKey(room), user);
  await store.setRemove(roomsKey(user), room);
  const members = await store.setMembers(roomKey(room));
  await sendToAll(members, { type: "left", room, user, members });
}
