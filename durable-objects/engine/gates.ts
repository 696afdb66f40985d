import type { BotConfig } from "../../core/protocol/bot-config";

export const DAY_MS = 86_400_000;
export const utcDayStart = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;

export type GateResult = { ok: true } | { ok: false; reason: "cooldown" | "daily_limit"; message: string };

/**
 * The seeds' pre-prediction gates: minutes since the bot's last trade, and trades on this UTC day.
 * `executions` are the bot's executed trade times (rejected/error orders do not count).
 */
export function checkGates(config: BotConfig, executions: { lastAt: number | null; today: number }, now: number): GateResult {
  const { cooldownMinutes, dailyTradeLimit } = config.execution;
  if (executions.lastAt !== null && cooldownMinutes > 0) {
    const since = now - executions.lastAt;
    if (since < cooldownMinutes * 60_000) {
      return { ok: false, reason: "cooldown", message: `cooldown: last trade ${Math.floor(since / 60_000)} min ago, cooldown is ${cooldownMinutes} min` };
    }
  }
  if (executions.today >= dailyTradeLimit) {
    return { ok: false, reason: "daily_limit", message: `daily limit: ${executions.today} trades today (UTC), limit is ${dailyTradeLimit}` };
  }
  return { ok: true };
}

/** Next cadence slot strictly after `now`, aligned to the UTC epoch (so cron fires at :00/:15 find it due). */
export function nextSlot(now: number, cadenceMinutes: number): number {
  const c = cadenceMinutes * 60_000;
  return Math.floor(now / c) * c + c;
}
