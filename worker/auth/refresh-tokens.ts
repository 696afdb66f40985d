// Rotating refresh tokens. Each login starts a family; each refresh marks the presented token
// rotated and issues the next one in the same family. Presenting a rotated or revoked token means
// it was copied: the whole family is revoked, so the thief's and the victim's sessions both end.
import { and, eq, isNull } from "drizzle-orm";
import { randomToken, sha256Hex } from "../../platform/auth/opaque-token";
import type { Db } from "../../platform/db/client";
import { refreshTokens } from "../../platform/db/schema";

export type RotateResult =
  | { ok: true; userId: string; token: string; familyId: string }
  | { ok: false; reason: "unknown" | "expired" | "reused" };

export interface IssuedRefreshToken {
  token: string;
  /** The session: access tokens carry it as `sid`. */
  familyId: string;
}

export async function issueRefreshToken(
  db: Db,
  userId: string,
  ttlSeconds: number,
  familyId: string = crypto.randomUUID(),
  now = Date.now(),
): Promise<IssuedRefreshToken> {
  const token = randomToken();
  await db.insert(refreshTokens).values({
    id: crypto.randomUUID(),
    userId,
    familyId,
    tokenHash: await sha256Hex(token),
    expiresAt: now + ttlSeconds * 1000,
    createdAt: now,
  });
  return { token, familyId };
}

async function revokeFamily(db: Db, familyId: string, now: number): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

export async function rotateRefreshToken(
  db: Db,
  token: string,
  ttlSeconds: number,
  now = Date.now(),
): Promise<RotateResult> {
  const row = await db.query.refreshTokens.findFirst({ where: eq(refreshTokens.tokenHash, await sha256Hex(token)) });
  if (!row) return { ok: false, reason: "unknown" };
  if (row.rotatedAt !== null || row.revokedAt !== null) {
    await revokeFamily(db, row.familyId, now);
    return { ok: false, reason: "reused" };
  }
  if (row.expiresAt <= now) return { ok: false, reason: "expired" };
  // Conditional update: of two concurrent refreshes with one token only one wins; the loser is a reuse.
  const won = await db
    .update(refreshTokens)
    .set({ rotatedAt: now })
    .where(and(eq(refreshTokens.id, row.id), isNull(refreshTokens.rotatedAt), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  if (won.length !== 1) {
    await revokeFamily(db, row.familyId, now);
    return { ok: false, reason: "reused" };
  }
  const next = await issueRefreshToken(db, row.userId, ttlSeconds, row.familyId, now);
  return { ok: true, userId: row.userId, ...next };
}

/** Logout: ends the session (family) the token belongs to; null for an unknown token. */
export async function revokeFamilyOf(
  db: Db,
  token: string,
  now = Date.now(),
): Promise<{ userId: string; familyId: string } | null> {
  const row = await db.query.refreshTokens.findFirst({
    columns: { familyId: true, userId: true },
    where: eq(refreshTokens.tokenHash, await sha256Hex(token)),
  });
  if (!row) return null;
  await revokeFamily(db, row.familyId, now);
  return row;
}

/** Password change and "sign out everywhere": every session of the user ends. */
export async function revokeAllFamilies(db: Db, userId: string, now = Date.now()): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}
