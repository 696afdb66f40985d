// Account protections of a bot, shared by the live engine and the backtester (semantics after
// Freqtrade's protections, https://www.freqtrade.io/en/latest/includes/protections/): each is
// evaluated at every closed trade of the bot, and a trigger locks NEW entries until the trade's
// close time + the pause (Freqtrade's lock end = last trade's close + stop_duration). Stateless:
// the lock is recomputed from the closed trades, so a restart or a replay gives the same pause.
// Exits are never blocked by a protection.
import type { Protections } from "../protocol/bot-config";
import { DAY_MS, utcDayStart } from "./gates";

/** One closed trade of the bot, as both sides record it. */
export interface ClosedTradeFact {
  /** Close time (ms). */
  time: number;
  reason: string;
  /** Net P&L in account currency. */
  pnl: number;
}

export type ProtectionName = "stoploss_guard" | "max_drawdown" | "daily_loss_limit";
export interface ProtectionLock {
  protection: ProtectionName;
  /** Entries may open again from this time on. */
  until: number;
  message: string;
}

const STOP_REASONS = new Set(["sl", "trailing", "breakeven"]);
const iso = (t: number) => new Date(t).toISOString().replace(".000Z", "Z");

/** How far back closed trades matter for the protections at `now` (callers may pass only those). */
export function protectionHorizonMs(p: Protections): number {
  let h = 0;
  if (p.stoplossGuard) h = Math.max(h, (p.stoplossGuard.lookbackMinutes + p.stoplossGuard.pauseMinutes) * 60_000);
  if (p.maxDrawdown) h = Math.max(h, (p.maxDrawdown.lookbackMinutes + p.maxDrawdown.pauseMinutes) * 60_000);
  if (p.dailyLossLimit) h = Math.max(h, DAY_MS);
  return h;
}

export const hasProtections = (p: Protections): boolean =>
  p.stoplossGuard !== null || p.maxDrawdown !== null || p.dailyLossLimit !== null;

/**
 * The lock in force at `now`, or null. `trades`: the bot's closed trades, oldest close first
 * (older than protectionHorizonMs may be left out). `balance`: the account balance now (the
 * drawdown's denominator, the balance live and backtest size on). The longest lock wins.
 */
export function protectionLock(
  p: Protections,
  trades: readonly ClosedTradeFact[],
  balance: number,
  now: number,
): ProtectionLock | null {
  let best: ProtectionLock | null = null;
  const consider = (l: ProtectionLock) => {
    if (l.until > now && (!best || l.until > best.until)) best = l;
  };
  const sg = p.stoplossGuard;
  if (sg) {
    const lookback = sg.lookbackMinutes * 60_000;
    let lo = 0;
    let stops = 0;
    // Sliding window over the trades: at each closing losing stop, how many losing stops closed within the lookback.
    const isStop = (t: ClosedTradeFact) => STOP_REASONS.has(t.reason) && t.pnl < 0;
    for (let i = 0; i < trades.length; i++) {
      const t = trades[i]!;
      if (isStop(t)) stops++;
      while (trades[lo]!.time < t.time - lookback) if (isStop(trades[lo++]!)) stops--;
      if (isStop(t) && stops >= sg.tradeLimit) {
        const until = t.time + sg.pauseMinutes * 60_000;
        consider({
          protection: "stoploss_guard",
          until,
          message: `stop-loss guard: ${stops} stop losses within ${sg.lookbackMinutes} min (limit ${sg.tradeLimit}); entries paused until ${iso(until)}`,
        });
      }
    }
  }
  const md = p.maxDrawdown;
  if (md && balance > 0) {
    const lookback = md.lookbackMinutes * 60_000;
    let lo = 0;
    for (let i = 0; i < trades.length; i++) {
      const t = trades[i]!;
      while (trades[lo]!.time < t.time - lookback) lo++;
      if (i - lo + 1 < md.tradeLimit) continue;
      // Largest peak-to-trough fall of the cumulative realized P&L over the window's trades.
      let cum = 0;
      let peak = 0;
      let dd = 0;
      for (let k = lo; k <= i; k++) {
        cum += trades[k]!.pnl;
        if (cum > peak) peak = cum;
        if (peak - cum > dd) dd = peak - cum;
      }
      const pct = (dd / balance) * 100;
      if (pct >= md.maxDrawdownPct - 1e-9) {
        const until = t.time + md.pauseMinutes * 60_000;
        consider({
          protection: "max_drawdown",
          until,
          message: `max drawdown: ${pct.toFixed(2)}% of the balance within ${md.lookbackMinutes} min (limit ${md.maxDrawdownPct}%); entries paused until ${iso(until)}`,
        });
      }
    }
  }
  const dl = p.dailyLossLimit;
  if (dl) {
    const day = utcDayStart(now);
    let sum = 0;
    for (const t of trades) if (t.time >= day && t.time <= now) sum += t.pnl;
    if (-sum >= dl.amount - 1e-9) {
      const until = day + DAY_MS;
      consider({
        protection: "daily_loss_limit",
        until,
        message: `daily loss limit: ${(-sum).toFixed(2)} lost today (UTC), limit ${dl.amount}; entries paused until ${iso(until)}`,
      });
    }
  }
  return best;
}
