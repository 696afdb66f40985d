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
/**
 * Reasons of the entry gate (these and a protection's lock) that refuse manual Execute and a bot's
 * manual order; the user may place it anyway with `override`, which the trade records.
 */
export const OVERRIDABLE_REASONS: readonly string[] = ["cooldown", "daily_limit", "max_open_positions", "protection"];
export type GateResult = { ok: true } | { ok: false; reason: GateReason; message: string };

/**
 * The gate that blocks a cycle at `now`, or null when all pass. checkGates() is this plus its
 * message; callers that only count blocked bars (the backtester) skip building the text.
 */
export function gateBlock(
  config: Pick<BotConfig, "execution" | "risk">,
  counts: GateCounts,
  now: number,
): GateReason | null {
  const { cooldownMinutes, dailyTradeLimit } = config.execution;
  if (counts.lastAt !== null && cooldownMinutes > 0 && now - counts.lastAt < cooldownMinutes * 60_000)
    return "cooldown";
  if (counts.today >= dailyTradeLimit) return "daily_limit";
  if (counts.openPositions !== undefined && counts.openPositions >= config.risk.maxOpenPositions)
    return "max_open_positions";
  return null;
}

/** The text of a gate that blocked (what checkGates reports with it). */
export function gateMessage(
  reason: GateReason,
  config: Pick<BotConfig, "execution" | "risk">,
  counts: GateCounts,
  now: number,
): string {
  const { cooldownMinutes, dailyTradeLimit } = config.execution;
  switch (reason) {
    case "cooldown":
      return `cooldown: last trade ${Math.floor((now - (counts.lastAt as number)) / 60_000)} min ago, cooldown is ${cooldownMinutes} min`;
    case "daily_limit":
      return `daily limit: ${counts.today} trades today (UTC), limit is ${dailyTradeLimit}`;
    case "max_open_positions":
      return `max open positions: ${counts.openPositions} open, limit is ${config.risk.maxOpenPositions}`;
  }
}

export function checkGates(config: Pick<BotConfig, "execution" | "risk">, counts: GateCounts, now: number): GateResult {
  const reason = gateBlock(config, counts, now);
  return reason === null ? { ok: true } : { ok: false, reason, message: gateMessage(reason, config, counts, now) };
}
