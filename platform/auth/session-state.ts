// What the auth middleware checks beyond the signature: the subject still exists, the token's
// version is the user's current one, and its session (refresh family) was not signed out.
import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { users } from "../db/schema";

export type SessionCheck = "ok" | "no_user" | "revoked";

/** One indexed D1 read per authenticated request (users by id, refresh_tokens by family). */
export async function checkSession(d1: D1Database, sub: string, sid: string, ver: number): Promise<SessionCheck> {
  const row = await d1
    .prepare(
      "SELECT token_version AS ver, EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = ?2 AND user_id = ?1 AND revoked_at IS NOT NULL) AS revoked FROM users WHERE id = ?1",
    )
    .bind(sub, sid)
    .first<{ ver: number; revoked: number }>();
  if (!row) return "no_user";
  return row.ver === ver && row.revoked === 0 ? "ok" : "revoked";
}

/** Raises the user's token version: every access token issued before is refused from now on. */
export async function bumpTokenVersion(db: Db, userId: string): Promise<number> {
  const [row] = await db
    .update(users)
    .set({ tokenVersion: sql`${users.tokenVersion} + 1` })
    .where(eq(users.id, userId))
    .returning({ ver: users.tokenVersion });
  return row?.ver ?? 0;
}
