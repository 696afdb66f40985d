// Pre-decision gates of an auto-trading cycle, shared by the live engine and the backtester so both
// skip the same bars: cooldown since the bot's last executed trade, trades per UTC day, and the
// bot's open positions against risk.maxOpenPositions. Pure: the caller counts, this decides.
import type { BotConfig } from "../protocol/bot-config";

export const DAY_MS = 86_400_000;
export const utcDayStart = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;

/** What the caller knows about the bot's executions (rejected/error orders do not count). */
export interface GateCounts {
  /** Time of the bot's newest executed trade, null if none. */
  lastAt: number | null;
  /** Executed trades since utcDayStart(now). */
  today: number;
  /** The bot's currently open positions; omitted = not checked (callers that can't count them yet). */
  openPositions?: number;
}

export type GateReason = "cooldown" | "daily_limit" | "max_open_positions";
export type GateResult = { ok: true } | { ok: false; reason: GateReason; message: string };

export function checkGates(config: Pick<BotConfig, "execution" | "risk">, counts: GateCounts, now: number): GateResult {
  const { cooldownMinutes, dailyTradeLimit } = config.execution;
  if (counts.lastAt !== null && cooldownMinutes > 0) {
    const since = now - counts.lastAt;
    if (since < cooldownMinutes * 60_000) {
      return { ok: false, reason: "cooldown", message: `cooldown: last trade ${Math.floor(since / 60_000)} min ago, cooldown is ${cooldownMinutes} min` };
    }
  }
  if (counts.today >= dailyTradeLimit) {
    return { ok: false, reason: "daily_limit", message: `daily limit: ${counts.today} trades today (UTC), limit is ${dailyTradeLimit}` };
  }
  const max = config.risk.maxOpenPositions;
  if (counts.openPositions !== undefined && counts.openPositions >= max) {
    return { ok: false, reason: "max_open_positions", message: `max open positions: ${counts.openPositions} open, limit is ${max}` };
  }
  return { ok: true };
}
