/**
 * Indicators computed here at full precision because technicalindicators rounds them to 2 decimals
 * (PLATFORM.md). Outputs are aligned with the input: out[t] uses inputs [0..t] only; NaN before the first value.
 */

/** RSI with Wilder smoothing: seed = mean of the first `period` changes, then avg = (avg*(p-1) + x)/p. */
export function rsiWilder(close: ArrayLike<number>, period = 14): Float64Array {
  const n = close.length;
  const out = new Float64Array(n).fill(NaN);
  if (n <= period) return out;
  let gain = 0;
  let loss = 0;
  for (let t = 1; t <= period; t++) {
    const d = close[t]! - close[t - 1]!;
    if (d > 0) gain += d;
    else loss -= d;
  }
  gain /= period;
  loss /= period;
  out[period] = rsiFrom(gain, loss);
  for (let t = period + 1; t < n; t++) {
    const d = close[t]! - close[t - 1]!;
    gain = (gain * (period - 1) + (d > 0 ? d : 0)) / period;
    loss = (loss * (period - 1) + (d < 0 ? -d : 0)) / period;
    out[t] = rsiFrom(gain, loss);
  }
  return out;
}

function rsiFrom(gain: number, loss: number): number {
  if (loss === 0) return gain === 0 ? 50 : 100;
  return 100 - 100 / (1 + gain / loss);
}

/**
 * Money Flow Index: typical price tp=(h+l+c)/3, money flow tp*volume counted positive when tp rose and
 * negative when it fell, summed over the last `period` bars (a plain window sum, not smoothed).
 */
export function mfi(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  volume: ArrayLike<number>,
  period = 14,
): Float64Array {
  const n = close.length;
  const out = new Float64Array(n).fill(NaN);
  const pos = new Float64Array(n);
  const neg = new Float64Array(n);
  let prevTp = (high[0]! + low[0]! + close[0]!) / 3;
  for (let t = 1; t < n; t++) {
    const tp = (high[t]! + low[t]! + close[t]!) / 3;
    const flow = tp * volume[t]!;
    if (tp > prevTp) pos[t] = flow;
    else if (tp < prevTp) neg[t] = flow;
    prevTp = tp;
  }
  for (let t = period; t < n; t++) {
    // Re-summing the window (not a running sum) keeps values exact and independent of history start.
    let p = 0;
    let m = 0;
    for (let k = t - period + 1; k <= t; k++) {
      p += pos[k]!;
      m += neg[k]!;
    }
    out[t] = m === 0 ? (p === 0 ? 50 : 100) : 100 - 100 / (1 + p / m);
  }
  return out;
}
