// D1 access for bots ("ml/models" in the API). Every query is scoped by the verified user id, so
// another user's bot is indistinguishable from a missing one.
import { and, asc, desc, eq, gt, gte, lte } from "drizzle-orm";
import { type BotConfig, BotConfigSchema } from "../../core/protocol/bot-config";
import type { Bot } from "../../core/protocol/models-api";
import { issueText } from "../../core/util/zod-issues";
import type { Db } from "../db/client";
import { bots } from "../db/schema";

export type BotRow = typeof bots.$inferSelect;

/** Stored configs were validated on write; parsing again types them and catches schema drift loudly. */
export function parseStoredConfig(row: Pick<BotRow, "id" | "config">): BotConfig {
  const parsed = BotConfigSchema.safeParse(row.config);
  if (!parsed.success)
    throw new Error(`stored config of bot ${row.id} no longer validates: ${issueText(parsed.error)}`);
  return parsed.data;
}

export function toBot(row: BotRow): Bot {
  return {
    id: row.id,
    name: row.name,
    symbol: row.symbol,
    active: row.active,
    target: row.target,
    config: parseStoredConfig(row),
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

export async function listBots(d: Db, userId: string): Promise<BotRow[]> {
  return d.select().from(bots).where(eq(bots.userId, userId)).orderBy(desc(bots.createdAt), asc(bots.id));
}

export async function getBot(d: Db, userId: string, id: string): Promise<BotRow | undefined> {
  return d
    .select()
    .from(bots)
    .where(and(eq(bots.userId, userId), eq(bots.id, id)))
    .get();
}

export async function insertBot(d: Db, userId: string, name: string, config: BotConfig): Promise<BotRow> {
  const now = Date.now();
  const row = {
    id: crypto.randomUUID(),
    userId,
    name,
    symbol: config.symbol,
    active: false,
    target: config.execution.target,
    config,
    createdAt: now,
    updatedAt: now,
  };
  await d.insert(bots).values(row);
  return row;
}

/**
 * Writes a new name/config only if the row is still the version that was read (updated_at as a
 * version stamp), so two concurrent PATCHes can't silently drop each other's changes.
 * Returns undefined when the row changed or vanished in between.
 */
export async function replaceBot(
  d: Db,
  userId: string,
  read: BotRow,
  name: string,
  config: BotConfig,
): Promise<BotRow | undefined> {
  const updatedAt = Math.max(Date.now(), read.updatedAt + 1);
  const rows = await d
    .update(bots)
    .set({ name, symbol: config.symbol, target: config.execution.target, config, updatedAt })
    .where(and(eq(bots.userId, userId), eq(bots.id, read.id), eq(bots.updatedAt, read.updatedAt)))
    .returning();
  return rows[0];
}

export async function setBotActive(d: Db, userId: string, id: string, active: boolean): Promise<BotRow | undefined> {
  const rows = await d
    .update(bots)
    .set({ active, updatedAt: Date.now() })
    .where(and(eq(bots.userId, userId), eq(bots.id, id)))
    .returning();
  return rows[0];
}

export async function deleteBot(d: Db, userId: string, id: string): Promise<boolean> {
  const rows = await d
    .delete(bots)
    .where(and(eq(bots.userId, userId), eq(bots.id, id)))
    .returning({ id: bots.id });
  return rows.length > 0;
}

/** The user's active bots with parsed configs (what a cycle runs). */
export async function activeBots(d: Db, userId: string): Promise<{ row: BotRow; config: BotConfig }[]> {
  const rows = await d
    .select()
    .from(bots)
    .where(and(eq(bots.userId, userId), eq(bots.active, true)))
    .orderBy(asc(bots.id));
  return rows.map((row) => ({ row, config: parseStoredConfig(row) }));
}

/**
 * activeBots() for several users at once (the cron's group), in one query by user-id range (no
 * bound-parameter limit): per user, the same rows in the same order. A user with a stored config
 * that no longer parses is left out, so its object loads (and reports) its bots itself.
 */
export async function activeBotsOfUsers(
  d: Db,
  users: readonly string[],
): Promise<Map<string, { row: BotRow; config: BotConfig }[]>> {
  const out = new Map<string, { row: BotRow; config: BotConfig }[]>();
  if (users.length === 0) return out;
  const wanted = new Set(users);
  const rows = await d
    .select()
    .from(bots)
    .where(and(eq(bots.active, true), gte(bots.userId, users[0]!), lte(bots.userId, users.at(-1)!)))
    .orderBy(asc(bots.userId), asc(bots.id));
  const broken = new Set<string>();
  for (const row of rows) {
    if (!wanted.has(row.userId) || broken.has(row.userId)) continue;
    let config: BotConfig;
    try {
      config = parseStoredConfig(row);
    } catch {
      broken.add(row.userId);
      out.delete(row.userId);
      continue;
    }
    const list = out.get(row.userId) ?? [];
    list.push({ row, config });
    out.set(row.userId, list);
  }
  return out;
}

/** One page of distinct users owning an active bot, in id order after `afterUserId` (cron batching). */
export async function usersWithActiveBots(d: Db, afterUserId: string, limit: number): Promise<string[]> {
  const rows = await d
    .selectDistinct({ userId: bots.userId })
    .from(bots)
    .where(and(eq(bots.active, true), gt(bots.userId, afterUserId)))
    .orderBy(asc(bots.userId))
    .limit(limit);
  return rows.map((r) => r.userId);
}
