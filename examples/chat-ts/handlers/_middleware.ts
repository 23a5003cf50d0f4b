// Who is who, and who is online.
//
// People sign in with the name they pick (`?name=ann` on the socket URL,
// or a `name` cookie). Presence hooks keep the online set in the store and
// tell everyone online when it changes; going offline also leaves every
// room.
import { store, type HttpRequest } from "switchboard";
import { ONLINE, broadcastOnline, leave, roomsKey } from "../lib/chat.ts";

export function authenticate(req: HttpRequest) {
  const name = req.queryParam("name") ?? req.cookie("name");
  if (name === null) throw new Error("pick a name: connect to /socket?name=YOUR_NAME");
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(name)) {
    throw new Error("a name is 1 to 32 letters, digits, '-' or '_'");
  }
  return { id: name };
}

export async function onOnline(user: string): Promise<void> {
  await store.setAdd(ONLINE, user);
  await broadcastOnline();
}

export async function onOffline(user: string): Promise<void> {
  await store.setRemove(ONLINE, user);
  for (const room of await store.setMembers(roomsKey(user))) await leave(user, room);
  await broadcastOnline();
}
