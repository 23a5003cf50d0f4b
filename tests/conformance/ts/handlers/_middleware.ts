// The conformance app's `_middleware`: authenticate and presence.
import { socket, store, type AuthResult, type HttpRequest } from "switchboard";

export function authenticate(req: HttpRequest): AuthResult {
  if (req.queryParam("deny") !== null) throw new Error("denied");
  const id = req.queryParam("user");
  const expires = req.queryParam("expires");
  const expiresAt = expires === null ? null : Number(expires);
  if (id !== null) return { id, claims: { via: "conformance" }, expiresAt };
  return null; // anonymous
}

export async function onOnline(user: string): Promise<void> {
  await store.setAdd("online_seen", user);
  await socket.send({ presence: "online", user });
}

export async function onOffline(user: string): Promise<void> {
  await store.setAdd("offline_seen", user);
}
