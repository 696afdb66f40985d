import { TIMEFRAME_MS } from "../../core/market/timeframes";
import { isReplaySymbol, REPLAY_SYMBOLS, type ReplayClock, replayBars, replayFeed } from "../market/replay-data";

export interface Quote {
  symbol: string;
  /** Mid price; the paper engine applies the symbol's spread. */
  mid: number;
  /** Market (virtual) time of the quote. */
  time: number;
}

/**
 * The replay feed's current price: a walk through the FORMING base bar (open -> nearer extreme ->
 * other extreme -> close) at the virtual clock. Decisions only ever see closed bars; this is the
 * price a live market would show between closes, so fills land after the decision bar (no
 * look-ahead) and open positions get a moving mark. Hand-written: no library models this.
 */
export function replayQuote(symbol: string, clock: ReplayClock, realNow: () => number = Date.now): Quote | null {
  if (!isReplaySymbol(symbol)) return null;
  const v = replayFeed(symbol, clock, realNow).virtualNow();
  const bars = replayBars(symbol);
  const dur = TIMEFRAME_MS[REPLAY_SYMBOLS[symbol].baseTimeframe];
  let lo = 0;
  let hi = bars.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bars[mid]!.time <= v) lo = mid + 1;
    else hi = mid;
  }
  const bar = bars[lo - 1];
  if (!bar) return null;
  if (v >= bar.time + dur) return { symbol, mid: bar.close, time: Math.floor(v) };
  const f = (v - bar.time) / dur;
  const upFirst = bar.close < bar.open; // a falling bar probably rose first, and vice versa
  const path = upFirst ? [bar.open, bar.high, bar.low, bar.close] : [bar.open, bar.low, bar.high, bar.close];
  const seg = Math.min(2, Math.floor(f * 3));
  const t = f * 3 - seg;
  const mid = path[seg]! + (path[seg + 1]! - path[seg]!) * t;
  return { symbol, mid, time: Math.floor(v) };
}
