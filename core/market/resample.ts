import type { Bar } from "./bar";
import type { Timeframe } from "./timeframes";
import { bucketStart, TIMEFRAME_MS } from "./timeframes";
import type { BarIssue, ValidationResult } from "./validate";
import { cleanBars } from "./validate";

export interface ResampleOptions {
  /**
   * Now (epoch ms). A bucket whose close time is <= asOf is closed and emitted even if its last
   * sub-bars are missing. Without it, only buckets proven closed by the data are emitted.
   */
  asOf?: number;
}

/**
 * Aggregates CLOSED bars of timeframe `from` into bars of the coarser timeframe `to`, aligned to UTC
 * boundaries: bucket = floor(time / dur) * dur (1d = the UTC day).
 *
 * - open = first, high = max, low = min, close = last, volume = sum (only when every sub-bar has a
 *   volume; a partial sum would understate it, so then volume is left out).
 * - A bucket is emitted only when it is closed: a later bucket has data, or `asOf` >= its close time,
 *   or its last possible sub-bar (which closes at the bucket's close) is present. The forming bucket
 *   is never emitted: a decision must not see a bar that has not closed.
 * - Empty buckets (gaps: weekends, outages) produce no bar; nothing is invented. A bucket with some
 *   sub-bars missing is built from those present.
 * - Invalid bars (see validate.ts) are dropped and reported.
 * - Duplicates (same time): the last occurrence in input order wins, deterministically; each is
 *   reported in `issues`.
 */
export function resample(
  input: readonly Bar[],
  from: Timeframe,
  to: Timeframe,
  opts: ResampleOptions = {},
): ValidationResult {
  const fromMs = TIMEFRAME_MS[from];
  const toMs = TIMEFRAME_MS[to];
  if (toMs < fromMs || toMs % fromMs !== 0) throw new Error(`cannot resample ${from} to ${to}`);
  // Inconsistent bars are dropped (and reported) before they can widen a bucket's range.
  const { bars: sorted, issues } = cleanBars(input);
  const out: Bar[] = [];
  const extra: BarIssue[] = [];
  let cur: { start: number; bar: Bar; allVolume: boolean; lastSubOpen: number } | null = null;

  const flush = (closedByLaterData: boolean) => {
    if (!cur) return;
    const close = cur.start + toMs;
    const lastSubCloses = cur.lastSubOpen + fromMs === close;
    const closedByClock = opts.asOf !== undefined && opts.asOf >= close;
    if (closedByLaterData || closedByClock || lastSubCloses) {
      const bar = { ...cur.bar };
      if (!cur.allVolume) delete bar.volume;
      out.push(bar);
    }
  };

  for (const b of sorted) {
    if (b.time % fromMs !== 0) {
      extra.push({ code: "malformed_row", index: -1, time: b.time, message: `bar time not aligned to ${from}` });
      continue;
    }
    const start = bucketStart(b.time, to);
    if (cur && start === cur.start) {
      const a = cur.bar;
      a.high = Math.max(a.high, b.high);
      a.low = Math.min(a.low, b.low);
      a.close = b.close;
      if (b.volume === undefined) cur.allVolume = false;
      else a.volume = (a.volume ?? 0) + b.volume;
      cur.lastSubOpen = b.time;
      continue;
    }
    flush(true);
    const bar: Bar = { time: start, open: b.open, high: b.high, low: b.low, close: b.close };
    if (b.volume !== undefined) bar.volume = b.volume;
    cur = { start, bar, allVolume: b.volume !== undefined, lastSubOpen: b.time };
  }
  flush(false);
  return { bars: out, issues: [...issues, ...extra] };
}
