// The WIT `user` record as handlers see it.

/** `{ id, claims, expiresAt }` with `claims` parsed, or null. */
export function userFrom(user) {
  if (user === null || user === undefined) return null;
  let claims = null;
  if (user.claims !== null && user.claims !== undefined) {
    try {
      claims = JSON.parse(user.claims);
    } catch {
      claims = null;
    }
  }
  return { id: user.id, claims, expiresAt: user.expiresAt ?? null };
}
