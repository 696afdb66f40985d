import { TIMEFRAME_MS, type Timeframe } from "../../core/market/timeframes";
import type { EaBar } from "./brokers/ea-protocol";

const MINUTE = 60_000;

/**
 * The simulated terminal's deterministic price history: a smooth function of time per symbol (two
 * slow waves and a fast one around the symbol's starting quote), sampled once a minute. Every bar
 * of every timeframe is built from the same minute closes, so a 4h bar is exactly the aggregate of
 * its 1h bars, like on a real terminal. Hand-written: no library makes synthetic OHLC series.
 */
export class SimBars {
  constructor(private readonly base: (symbol: string) => number) {}

  /** Mid price at the close of the minute starting at minute index m. */
  minuteClose(symbol: string, m: number): number {
    const b = this.base(symbol);
    const phase = [...symbol].reduce((s, c) => s + c.charCodeAt(0), 0);
    const w =
      0.004 * Math.sin((2 * Math.PI * m) / (60 * 24 * 5) + phase) +
      0.0015 * Math.sin((2 * Math.PI * m) / 300 + phase / 3) +
      0.0004 * Math.sin(m * 1.7 + phase);
    return round5(b * (1 + w));
  }

  /** The bar that opened at `open` (a multiple of the timeframe). */
  bar(symbol: string, tf: Timeframe, open: number): EaBar {
    const m0 = open / MINUTE;
    const n = TIMEFRAME_MS[tf] / MINUTE;
    const o = this.minuteClose(symbol, m0 - 1);
    let high = o;
    let low = o;
    let close = o;
    for (let i = 0; i < n; i++) {
      close = this.minuteClose(symbol, m0 + i);
      if (close > high) high = close;
      if (close < low) low = close;
    }
    // Ticks per minute vary deterministically so volume is not a constant.
    let ticks = 0;
    for (let i = 0; i < n; i++) ticks += 20 + ((m0 + i) % 7) * 3;
    return { time: open, open: o, high, low, close, tick_volume: ticks };
  }

  /** The last `count` bars CLOSED at `now`, oldest first. */
  closed(symbol: string, tf: Timeframe, count: number, now: number): EaBar[] {
    const d = TIMEFRAME_MS[tf];
    const forming = Math.floor(now / d) * d;
    const out: EaBar[] = [];
    for (let i = count; i >= 1; i--) out.push(this.bar(symbol, tf, forming - i * d));
    return out;
  }
}

const round5 = (v: number) => Math.round(v * 1e5) / 1e5;
