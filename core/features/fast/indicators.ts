/**
 * Hand-written replacements for the technicalindicators 3.1 functions computeFeatures used.
 *
 * Why: the library builds every value through generators, linked-list nodes and result objects; on the
 * 302-bar live window that per-value allocation (and the GC it causes: ~45% of the profile) made
 * computeFeatures ~10x slower than the arithmetic. These loops write into preallocated Float64Arrays.
 *
 * Each one repeats the library's arithmetic IN THE SAME ORDER (running SMA sums, Math.pow in the
 * standard deviation, Wilder sums that are not divided, the SMA seed of EMA/WEMA), so the shipped models
 * see the same numbers: equivalence.test.ts compares against the frozen library-based reference
 * (reference/compute-reference.ts) on real and synthetic data. Prices are assumed positive (as the log
 * returns already are); the library's falsy-zero checks are reproduced only where a zero can occur.
 *
 * Outputs are aligned with the input (out[t] uses inputs [0..t] only) and NaN before the first value,
 * where the library instead returns a shorter array aligned to the end.
 */

/** technicalindicators SMA: a running sum (add the new value, subtract the one leaving), divided by period. */
export function sma(x: ArrayLike<number>, period: number, out: Float64Array, from = 0): Float64Array {
  const n = x.length;
  out.fill(NaN);
  let sum = 0;
  for (let t = from; t < n; t++) {
    const i = t - from;
    if (i < period) sum = sum + x[t]!;
    else sum = sum - x[t - period]! + x[t]!;
    if (i >= period - 1) out[t] = sum / period;
  }
  return out;
}

/**
 * technicalindicators EMA: seeded with the SMA of the first `period` values, then
 * ema = (x - ema) * 2/(period+1) + ema. `from` skips leading entries (the MACD line starts at bar 25).
 */
export function ema(x: ArrayLike<number>, period: number, out: Float64Array, from = 0): Float64Array {
  const n = x.length;
  const k = 2 / (period + 1);
  out.fill(NaN);
  let sum = 0;
  let prev = NaN;
  for (let t = from; t < n; t++) {
    const i = t - from;
    const v = x[t]!;
    if (i < period - 1) {
      sum = sum + v;
    } else if (i === period - 1) {
      sum = sum + v;
      const seed = sum / period;
      // The library tests the seed for truthiness: a seed of exactly 0 is skipped and the same value is
      // fed to the recursion instead (reachable: the MACD line of flat prices is 0).
      prev = seed !== 0 ? seed : (v - seed) * k + seed;
      out[t] = prev;
    } else {
      prev = (v - prev) * k + prev;
      out[t] = prev;
    }
  }
  return out;
}

/**
 * Bollinger bands (period, mult x POPULATION sd) as the library computes them: middle = running SMA.
 * Bands are computed from row `firstRow` on (earlier rows stay NaN: callers that emit only the newest
 * rows skip the O(period) sd of the others; the running SMA still starts at bar 0, as the library's does).
 */
export function bollinger(
  x: ArrayLike<number>,
  period: number,
  mult: number,
  upper: Float64Array,
  lower: Float64Array,
  middle: Float64Array,
  firstRow = 0,
): void {
  sma(x, period, middle);
  upper.fill(NaN);
  lower.fill(NaN);
  for (let t = Math.max(period - 1, firstRow); t < x.length; t++) {
    const m = middle[t]!;
    let s = 0;
    for (let k = t - period + 1; k <= t; k++) s = s + (x[k]! - m) ** 2;
    const sd = Math.sqrt(s / period);
    upper[t] = m + sd * mult;
    lower[t] = m - sd * mult;
  }
}

/** CCI: (tp - SMA(tp)) / (0.015 * mean |tp - SMA(tp)|), tp = (h+l+c)/3, from row `firstRow` on. `tp` is scratch of length n. */
export function cci(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period: number,
  out: Float64Array,
  tp: Float64Array,
  firstRow = 0,
): Float64Array {
  const n = close.length;
  for (let t = 0; t < n; t++) tp[t] = (high[t]! + low[t]! + close[t]!) / 3;
  sma(tp, period, out);
  const first = Math.max(period - 1, firstRow);
  out.fill(NaN, 0, Math.min(first, n));
  for (let t = first; t < n; t++) {
    const m = out[t]!;
    let s = 0;
    for (let k = t - period + 1; k <= t; k++) s = s + Math.abs(tp[k]! - m);
    out[t] = (tp[t]! - m) / (0.015 * (s / period));
  }
  return out;
}

/**
 * Highest high / lowest low of the last `period` bars (NaN before). The library tracks them in a linked
 * list; the value is the same window extreme (prices are positive, so its 0 start for the high never wins).
 */
export function rollingHighLow(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  period: number,
  hh: Float64Array,
  ll: Float64Array,
): void {
  hh.fill(NaN);
  ll.fill(NaN);
  for (let t = period - 1; t < high.length; t++) {
    let h = high[t - period + 1]!;
    let l = low[t - period + 1]!;
    for (let k = t - period + 2; k <= t; k++) {
      if (h <= high[k]!) h = high[k]!;
      if (l >= low[k]!) l = low[k]!;
    }
    hh[t] = h;
    ll[t] = l;
  }
}

/** Stochastic %K (0 when the window is flat, as the library does) and %D = running SMA(signal) of %K; hh/ll from rollingHighLow. */
export function stochastic(
  close: ArrayLike<number>,
  hh: Float64Array,
  ll: Float64Array,
  period: number,
  signal: number,
  k: Float64Array,
  d: Float64Array,
): void {
  k.fill(NaN);
  for (let t = period - 1; t < close.length; t++) {
    const v = ((close[t]! - ll[t]!) / (hh[t]! - ll[t]!)) * 100;
    k[t] = Number.isNaN(v) ? 0 : v;
  }
  sma(k, signal, d, period - 1);
}

/** Williams %R = (HH - close) / (HH - LL) * -100; hh/ll from rollingHighLow (NaN before the window fills). */
export function williamsR(
  close: ArrayLike<number>,
  hh: Float64Array,
  ll: Float64Array,
  out: Float64Array,
): Float64Array {
  for (let t = 0; t < close.length; t++) out[t] = ((hh[t]! - close[t]!) / (hh[t]! - ll[t]!)) * -100;
  return out;
}

/** True range from bar 1 on (the library yields nothing for bar 0); NaN guards as in the library. */
function trueRange(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, t: number): number {
  const pc = close[t - 1]!;
  const a = Math.abs(high[t]! - pc);
  const b = Math.abs(low[t]! - pc);
  return Math.max(high[t]! - low[t]!, Number.isNaN(a) ? 0 : a, Number.isNaN(b) ? 0 : b);
}

/** Library WEMA step machine: SMA seed over the first `period` inputs, then (x - prev) / period + prev. */
class Wema {
  private count = 0;
  private sum = 0;
  private prev = NaN;
  private readonly k: number;
  /** True once the seed exists (the library emits nothing before; NaN values after it are emitted). */
  ready = false;
  constructor(private readonly period: number) {
    this.k = 1 / period;
  }
  /** The smoothed value after x, or NaN while warming up. */
  next(x: number): number {
    if (this.count < this.period) {
      this.sum = this.sum + x;
      this.count++;
      if (this.count < this.period) return NaN;
      this.prev = this.sum / this.period;
      this.ready = true;
      return this.prev;
    }
    this.prev = (x - this.prev) * this.k + this.prev;
    return this.prev;
  }
}

/** ATR: library WEMA(period) of the true range. */
export function atr(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period: number,
  out: Float64Array,
): Float64Array {
  out.fill(NaN);
  const w = new Wema(period);
  for (let t = 1; t < close.length; t++) out[t] = w.next(trueRange(high, low, close, t));
  return out;
}

/**
 * ADX / +DI / -DI as the library computes them: TR, +DM, -DM smoothed with Wilder SUMS (the first value is
 * the plain sum of `period` values, then s - s/period + x), DI = 100 * DM / TR, DX smoothed with WEMA.
 * Rows are NaN until the ADX exists (the library drops DI values before that too).
 */
export function adx(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period: number,
  adxOut: Float64Array,
  pdiOut: Float64Array,
  mdiOut: Float64Array,
): void {
  adxOut.fill(NaN);
  pdiOut.fill(NaN);
  mdiOut.fill(NaN);
  const dxW = new Wema(period);
  let count = 0;
  let sTr = 0;
  let sP = 0;
  let sM = 0;
  for (let t = 1; t < close.length; t++) {
    const tr = trueRange(high, low, close, t);
    const up = high[t]! - high[t - 1]!;
    const down = low[t - 1]! - low[t]!;
    const pdm = up > down && up > 0 ? up : 0;
    const mdm = down > up && down > 0 ? down : 0;
    if (count < period) {
      count++;
      sTr = sTr + tr;
      sP = sP + pdm;
      sM = sM + mdm;
      if (count < period) continue;
    } else {
      sTr = sTr - sTr / period + tr;
      sP = sP - sP / period + pdm;
      sM = sM - sM / period + mdm;
    }
    const pdi = (sP * 100) / sTr;
    const mdi = (sM * 100) / sTr;
    const dx = (Math.abs(pdi - mdi) / (pdi + mdi)) * 100;
    const a = dxW.next(dx);
    if (!dxW.ready) continue;
    adxOut[t] = a;
    pdiOut[t] = pdi;
    mdiOut[t] = mdi;
  }
}
