// Which closed bars check which open positions, so live SL/TP follows the backtester's rule: a
// position is checked from the bar its entry fell in onward, never on a bar before it. Bars are
// keyed by OPEN time. The backtester fills at a bar's open and checks that whole bar (SL before TP,
// core/paper); a live fill lands inside a bar, and OHLC can't tell which of the bar's range came
// after the entry, so that bar's whole range counts too, with the same SL-before-TP order.
import { TIMEFRAME_MS } from "../../core/market/timeframes";
import { isReplaySymbol, REPLAY_SYMBOLS } from "../market/replay-data";

/** The base bar duration of a symbol's bar store (replay symbols), null when unknown. */
export function replayBarMs(symbol: string): number | null {
  return isReplaySymbol(symbol) ? TIMEFRAME_MS[REPLAY_SYMBOLS[symbol].baseTimeframe] : null;
}

/**
 * `after` for the bar store (bars opening strictly after it): the bar the earliest open position's
 * entry fell in, or the bar after the last one checked (`mark`) if that is later. With an unknown
 * duration, bars opening at or after the entry.
 */
export function checkAfter(mark: number | undefined, earliestOpen: number, barMs: number | null): number {
  const entryBar = barMs === null ? earliestOpen - 1 : earliestOpen - barMs;
  return mark === undefined ? entryBar : Math.max(mark, entryBar);
}

/**
 * The time a closed bar is handed to the paper engine with. The paper engine checks positions
 * opened at or before that time, so a bar is stamped with the latest entry inside it (its open
 * time if none): positions opened mid-bar are checked on it, positions opened after it are not.
 */
export function barStamp(barTime: number, barMs: number | null, openTimes: readonly number[]): number {
  if (barMs === null) return barTime;
  let at = barTime;
  for (const t of openTimes) if (t > at && t < barTime + barMs) at = t;
  return at;
}
