import type { Bar } from "./bar";
import { TIMEFRAME_MS, type Timeframe } from "./timeframes";
import { validateBars } from "./validate";

/**
 * Turns a stream of "latest state of the forming candle" updates (Delta's candlestick channel) into
 * closed bars. A candle is closed when an update for a LATER candle arrives; its last update is the
 * bar. Anything that would break "each closed bar exactly once, in order" is reported instead:
 * - an update for a candle before the forming one (or at/before the last closed bar): `stale`
 *   (duplicates and out-of-order frames), ignored;
 * - a jump of more than one interval, or a first update after a reconnect that does not follow the
 *   last closed bar: `gap` with the open-time range to back-fill over REST;
 * - a candle not on the interval boundary, or with invalid OHLC: `invalid`, ignored.
 * Pure state machine (no I/O): the market object persists `lastClosed` and owns the back-fill.
 */
export type CandleUpdateOutcome =
  | { kind: "forming" }
  | { kind: "closed"; bar: Bar; gap?: GapRange }
  | { kind: "gap"; gap: GapRange }
  | { kind: "stale"; time: number }
  | { kind: "invalid"; message: string };

/** Open times [from, to] (inclusive, aligned) of bars missing from the live stream. */
export interface GapRange {
  from: number;
  to: number;
}

export class LiveCandles {
  private forming: Bar | undefined;
  readonly dur: number;

  constructor(
    readonly timeframe: Timeframe,
    /** Open time of the newest bar already handed out (persisted by the caller), if any. */
    public lastClosed: number | undefined,
  ) {
    this.dur = TIMEFRAME_MS[timeframe];
  }

  /** Forget the forming candle (socket dropped: the next update may be for a later candle). */
  reset(): void {
    this.forming = undefined;
  }

  /** Called after bars up to `time` were handed out by another path (REST back-fill). */
  advanceTo(time: number): void {
    if (this.lastClosed === undefined || time > this.lastClosed) this.lastClosed = time;
    if (this.forming && this.forming.time <= time) this.forming = undefined;
  }

  update(candle: Bar): CandleUpdateOutcome {
    if (candle.time % this.dur !== 0)
      return { kind: "invalid", message: `candle time ${candle.time} is not on a ${this.timeframe} boundary` };
    const v = validateBars([candle]);
    if (v.issues.length > 0) return { kind: "invalid", message: v.issues[0]!.message };
    if (this.lastClosed !== undefined && candle.time <= this.lastClosed) return { kind: "stale", time: candle.time };
    const f = this.forming;
    if (f === undefined) {
      this.forming = candle;
      const expected = this.lastClosed === undefined ? candle.time : this.lastClosed + this.dur;
      return candle.time > expected
        ? { kind: "gap", gap: { from: expected, to: candle.time - this.dur } }
        : { kind: "forming" };
    }
    if (candle.time < f.time) return { kind: "stale", time: candle.time };
    if (candle.time === f.time) {
      this.forming = candle;
      return { kind: "forming" };
    }
    // A later candle: the forming one is closed, and anything between them is missing.
    this.forming = candle;
    this.lastClosed = f.time;
    const out: CandleUpdateOutcome = { kind: "closed", bar: f };
    if (candle.time > f.time + this.dur) out.gap = { from: f.time + this.dur, to: candle.time - this.dur };
    return out;
  }
}
