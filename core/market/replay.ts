import { mulberry32 } from "../random/prng";
import type { Bar } from "./bar";
import { resample } from "./resample";
import type { MarketDataRequest, MarketDataResult, MarketDataSource } from "./source";
import { fail, lowerBound, selectRange } from "./source";
import type { Timeframe } from "./timeframes";
import { TIMEFRAME_MS } from "./timeframes";
import { validateBars } from "./validate";

export interface ReplayOptions {
  symbol: string;
  /** Historical CLOSED bars of `baseTimeframe` (e.g. parseBarsCsv(usdchf_30m.csv).bars). */
  bars: readonly Bar[];
  baseTimeframe: Timeframe;
  /** Picks the starting bar deterministically; ignored when startIndex is given. Default 0. */
  seed?: number;
  /** Explicit starting bar: the virtual clock starts at that bar's close. */
  startIndex?: number;
  /**
   * Start at the first bar closing at or after this time (epoch ms), if it leaves `minHistory`
   * bars before it; otherwise (e.g. a time outside this symbol's data) the seed decides.
   */
  startAt?: number;
  /** Bars of history that must exist before the start (models need warm-up). Default min(2000, n/4). */
  minHistory?: number;
  /** Virtual ms per real ms. 0 = the clock moves only through advance(). Default 1. */
  speed?: number;
  /** Real clock (epoch ms); injected so tests need no waiting. Default Date.now. */
  realNow?: () => number;
  /** Real time at which the virtual clock stood at its start (a persisted feed resumes from it). Default: now. */
  realStart?: number;
}

/** The starting bar index a seed selects: uniform in [minHistory, n - minHistory). */
export function seededStartIndex(n: number, seed: number, minHistory: number): number {
  const lo = Math.min(minHistory, n - 1);
  const span = Math.max(1, n - 2 * minHistory);
  return Math.min(n - 1, lo + Math.floor(mulberry32(seed)() * span));
}

/**
 * A deterministic feed over historical bars with a virtual clock. A bar is visible once its close
 * time <= virtual now, so the feed never shows a forming bar. Same bars + seed (or startIndex) +
 * speed + real-clock readings -> same output, always.
 *
 * virtualNow = anchorVirtual + (realNow - anchorReal) * speed; advance(to) re-anchors forward.
 * Past the end of the data no new bars appear, so the freshness check reports "stale": the feed
 * does not loop or invent bars.
 */
export class ReplayFeed implements MarketDataSource {
  readonly name = "replay";
  readonly symbol: string;
  readonly baseTimeframe: Timeframe;
  readonly speed: number;
  readonly startIndex: number;
  readonly virtualStart: number;
  private readonly bars: Bar[];
  private readonly realNow: () => number;
  private anchorReal: number;
  private anchorVirtual: number;
  private readonly coarse = new Map<Timeframe, Bar[]>();

  constructor(opts: ReplayOptions) {
    const { bars, issues } = validateBars(opts.bars);
    if (issues.length > 0) throw new Error(`replay bars invalid: ${issues[0]!.message}`);
    if (bars.length === 0) throw new Error("replay needs bars");
    if (bars.some((b) => b.time % TIMEFRAME_MS[opts.baseTimeframe] !== 0))
      throw new Error("bars not aligned to base timeframe");
    this.symbol = opts.symbol;
    this.bars = bars;
    this.baseTimeframe = opts.baseTimeframe;
    this.speed = opts.speed ?? 1;
    if (!(this.speed >= 0) || !Number.isFinite(this.speed)) throw new Error("speed must be finite and >= 0");
    const minHistory = opts.minHistory ?? Math.min(2000, Math.floor(bars.length / 4));
    const at = opts.startAt === undefined ? -1 : lowerBound(bars, opts.startAt - TIMEFRAME_MS[opts.baseTimeframe]);
    const fromTime = at >= minHistory && at < bars.length ? at : undefined;
    this.startIndex = opts.startIndex ?? fromTime ?? seededStartIndex(bars.length, opts.seed ?? 0, minHistory);
    if (this.startIndex < 0 || this.startIndex >= bars.length) throw new Error("startIndex out of range");
    this.virtualStart = bars[this.startIndex]!.time + TIMEFRAME_MS[this.baseTimeframe];
    this.realNow = opts.realNow ?? Date.now;
    this.anchorReal = opts.realStart ?? this.realNow();
    this.anchorVirtual = this.virtualStart;
  }

  virtualNow(): number {
    return this.anchorVirtual + (this.realNow() - this.anchorReal) * this.speed;
  }

  /** Moves the virtual clock forward to `to` (never backwards: a feed cannot un-publish bars). */
  advance(to: number): void {
    const now = this.virtualNow();
    this.anchorReal = this.realNow();
    this.anchorVirtual = Math.max(now, to);
  }

  /** First and last bar open times of the underlying data. */
  get range(): { first: number; last: number } {
    return { first: this.bars[0]!.time, last: this.bars[this.bars.length - 1]!.time };
  }

  /** Closed bars of `timeframe` (default base) whose close time <= virtualNow, oldest first. */
  barsUpTo(virtualNow: number, timeframe: Timeframe = this.baseTimeframe): Bar[] {
    const series = this.series(timeframe);
    const dur = TIMEFRAME_MS[timeframe];
    return series.slice(0, lowerBound(series, virtualNow - dur + 1));
  }

  async getBars(req: MarketDataRequest): Promise<MarketDataResult> {
    if (req.symbol !== this.symbol)
      return fail(this.name, "unknown_symbol", `replay carries ${this.symbol}, not ${req.symbol}`);
    const tfMs = TIMEFRAME_MS[req.timeframe];
    const baseMs = TIMEFRAME_MS[this.baseTimeframe];
    if (tfMs < baseMs || tfMs % baseMs !== 0) {
      return fail(
        this.name,
        "unsupported_timeframe",
        `replay data is ${this.baseTimeframe}; cannot make ${req.timeframe}`,
      );
    }
    const bars = selectRange(this.barsUpTo(this.virtualNow(), req.timeframe), req);
    if (bars.length === 0) return fail(this.name, "no_data", "no closed bars in the requested range yet");
    return { ok: true, symbol: this.symbol, timeframe: req.timeframe, bars, issues: [], source: this.name };
  }

  /**
   * The whole history in `tf`, built once. Slicing it at virtual now equals resampling the visible
   * base bars with asOf = now: a bucket closed by now contains only sub-bars closed by now.
   */
  private series(tf: Timeframe): Bar[] {
    if (tf === this.baseTimeframe) return this.bars;
    let s = this.coarse.get(tf);
    if (!s) {
      // No asOf: a bucket cut off by the END of the data is never complete, so it is never shown.
      s = resample(this.bars, this.baseTimeframe, tf).bars;
      this.coarse.set(tf, s);
    }
    return s;
  }
}
