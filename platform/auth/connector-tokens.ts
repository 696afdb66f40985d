// Connector tokens: long-lived, revocable credentials for the MT5 connector on the user's host.
import { and, desc, eq, isNull } from "drizzle-orm";
import {
  CONNECTOR_TOKEN_PREFIX,
  type ConnectorToken,
  ConnectorTokenFormat,
  type CreatedConnectorToken,
} from "../../core/protocol/connector-tokens";
import type { Db } from "../db/client";
import { connectorTokens } from "../db/schema";
import { randomToken, sha256Hex } from "./opaque-token";

const PREFIX_CHARS = 8;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function createConnectorToken(
  db: Db,
  userId: string,
  name: string,
  now = Date.now(),
): Promise<CreatedConnectorToken> {
  const secret = randomToken();
  const token = CONNECTOR_TOKEN_PREFIX + secret;
  const row = {
    id: crypto.randomUUID(),
    userId,
    name,
    prefix: secret.slice(0, PREFIX_CHARS),
    tokenHash: await sha256Hex(token),
    createdAt: now,
  };
  await db.insert(connectorTokens).values(row);
  return { id: row.id, name, prefix: row.prefix, token, created_at: new Date(now).toISOString() };
}

export async function listConnectorTokens(db: Db, userId: string): Promise<ConnectorToken[]> {
  const rows = await db.query.connectorTokens.findMany({
    where: eq(connectorTokens.userId, userId),
    orderBy: [desc(connectorTokens.createdAt)],
  });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    created_at: new Date(r.createdAt).toISOString(),
    last_used_at: iso(r.lastUsedAt),
    revoked_at: iso(r.revokedAt),
  }));
}

/** False when no token with this id belongs to the user (another user's id looks the same as none). */
export async function revokeConnectorToken(db: Db, userId: string, id: string, now = Date.now()): Promise<boolean> {
  const row = await db.query.connectorTokens.findFirst({
    columns: { id: true, revokedAt: true },
    where: and(eq(connectorTokens.id, id), eq(connectorTokens.userId, userId)),
  });
  if (!row) return false;
  if (row.revokedAt === null) {
    await db
      .update(connectorTokens)
      .set({ revokedAt: now })
      .where(and(eq(connectorTokens.id, id), eq(connectorTokens.userId, userId)));
  }
  return true;
}

/** For the connector socket: the owner of a live token, or null (malformed, unknown or revoked). */
export async function verifyConnectorToken(
  db: Db,
  token: string,
  now = Date.now(),
): Promise<{ userId: string; tokenId: string } | null> {
  if (!ConnectorTokenFormat.test(token)) return null;
  const row = await db.query.connectorTokens.findFirst({
    columns: { id: true, userId: true },
    where: and(eq(connectorTokens.tokenHash, await sha256Hex(token)), isNull(connectorTokens.revokedAt)),
  });
  if (!row) return null;
  await db.update(connectorTokens).set({ lastUsedAt: now }).where(eq(connectorTokens.id, row.id));
  return { userId: row.userId, tokenId: row.id };
}
