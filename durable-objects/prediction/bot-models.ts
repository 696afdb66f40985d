// D1 reads for a prediction: the bot (scoped by the object's user) and its active model version
// per timeframe. Another user's bot is indistinguishable from a missing one.
import { and, desc, eq } from "drizzle-orm";
import type { BotConfig } from "../../core/protocol/bot-config";
import { errorMessage } from "../../core/util/error-message";
import { type BotRow, getBot, parseStoredConfig } from "../../platform/bots/store";
import type { Db } from "../../platform/db/client";
import { bots, modelVersions } from "../../platform/db/schema";

export type ModelVersionRow = typeof modelVersions.$inferSelect;

export type BotLookup =
  | { ok: true; row: BotRow; config: BotConfig }
  | { ok: false; code: "not_found" | "bad_request"; message: string };

/** The bot `botId`, or the user's active bot for `symbol` (most recently updated when several). */
export async function findBot(
  d: Db,
  userId: string,
  by: { botId?: string | undefined; symbol?: string | undefined },
): Promise<BotLookup> {
  let row: BotRow | undefined;
  if (by.botId !== undefined) {
    row = await getBot(d, userId, by.botId);
    if (!row) return { ok: false, code: "not_found", message: "bot not found" };
    if (by.symbol !== undefined && row.symbol !== by.symbol)
      return { ok: false, code: "bad_request", message: `bot ${row.id} trades ${row.symbol}, not ${by.symbol}` };
  } else if (by.symbol !== undefined) {
    row = await d
      .select()
      .from(bots)
      .where(and(eq(bots.userId, userId), eq(bots.symbol, by.symbol), eq(bots.active, true)))
      .orderBy(desc(bots.updatedAt), desc(bots.id))
      .get();
    if (!row) return { ok: false, code: "not_found", message: `no active bot for ${by.symbol}` };
  } else {
    return { ok: false, code: "bad_request", message: "give a symbol or a bot id" };
  }
  try {
    return { ok: true, row, config: parseStoredConfig(row) };
  } catch (err) {
    return { ok: false, code: "bad_request", message: errorMessage(err) };
  }
}

/** Active model version per timeframe of one bot (the upload route keeps at most one active per timeframe). */
export async function activeModelVersions(d: Db, userId: string, botId: string): Promise<Map<string, ModelVersionRow>> {
  const rows = await d
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.userId, userId), eq(modelVersions.botId, botId), eq(modelVersions.status, "active")))
    .orderBy(desc(modelVersions.version));
  const out = new Map<string, ModelVersionRow>();
  for (const r of rows) if (!out.has(r.timeframe)) out.set(r.timeframe, r);
  return out;
}
