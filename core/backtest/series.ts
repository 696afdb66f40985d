// One timeframe's history for a backtest: bars, their features computed ONCE over the whole history
// (computeFeatures is causal: row k uses bars[0..k] only, proven in engine.test.ts against
// prepareInputs on prefixes), and a cursor that finds the newest bar closed by a given time.
import { computeFeatures, type FeatureMatrix } from "../features/compute";
import type { FeatureName } from "../features/schema";
import type { Bar } from "../market/bar";
import { resample } from "../market/resample";
import { TIMEFRAME_MS, type Timeframe } from "../market/timeframes";

export interface TimeframeSeries {
  timeframe: Timeframe;
  bars: readonly Bar[];
  features: FeatureMatrix;
  /** Close time of bar k (open time + duration). */
  closes: Float64Array;
}

/** Bars of `to` from base bars of `from` (the same resampler the object's bar store uses). */
export function barsFor(base: readonly Bar[], from: Timeframe, to: Timeframe): readonly Bar[] {
  return from === to ? base : resample(base, from, to).bars;
}

/** `only`: the features to compute (lazy; absent: every one). */
export function buildSeries(
  bars: readonly Bar[],
  timeframe: Timeframe,
  only?: ReadonlySet<FeatureName>,
): TimeframeSeries {
  const dur = TIMEFRAME_MS[timeframe];
  const closes = new Float64Array(bars.length);
  for (let k = 0; k < bars.length; k++) closes[k] = bars[k]!.time + dur;
  return { timeframe, bars, features: computeFeatures(bars, only), closes };
}

/** Monotone cursor: index of the newest bar with close <= t (-1 if none). `t` must not decrease. */
export class ClosedCursor {
  private k = -1;
  constructor(private readonly closes: Float64Array) {}
  at(t: number): number {
    const c = this.closes;
    while (this.k + 1 < c.length && c[this.k + 1]! <= t) this.k++;
    return this.k;
  }
}
