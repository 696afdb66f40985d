import type { Bar } from "../market/bar";
import { adx, atr, bollinger, cci, ema, rollingHighLow, sma, stochastic, williamsR } from "./fast/indicators";
import { FEATURE_COUNT, FEATURE_SCHEMA, FEATURE_WARMUP_BARS, type FeatureName, featureIndex } from "./schema";
import { mfi, rsiWilder } from "./wilder";

// Indicators are hand-written (fast/indicators.ts) instead of technicalindicators: same arithmetic, no
// per-value allocation. equivalence.test.ts holds them to the library-based reference/compute-reference.ts.
// The feature assembly below (returns, candle shape, distances, volume gating, neutral values) repeats
// the reference's on purpose, unshared: the test claims the whole output matches what the shipped models
// were trained on, and assembly shared with the frozen file would drift on both sides at once, unseen.

/** Feature matrix: row t (flat, stride F) uses bars[0..t] only. Rows before validFrom are all NaN. */
export interface FeatureMatrix {
  readonly values: Float64Array;
  readonly stride: number;
  readonly count: number;
  /** First row where every feature is valid (= count when there is none). */
  readonly validFrom: number;
  /** Bar open times, one per row. */
  readonly times: readonly number[];
  /** Lazy matrix: the only columns computed (the others are NaN). Absent: every column. */
  readonly only?: ReadonlySet<FeatureName>;
  /**
   * Lazy matrix: where feature j sits in a row (-1: not held, reads as NaN); the stride is the count
   * of columns held. Absent: the full layout (column j = feature j, stride FEATURE_COUNT).
   */
  readonly col?: Int32Array;
}

/** Feature j of row t (NaN when a lazy matrix doesn't hold it). */
export function featureAt(m: FeatureMatrix, t: number, j: number): number {
  const c = m.col ? m.col[j]! : j;
  return c < 0 ? NaN : m.values[t * m.stride + c]!;
}

/** Where feature j sits in a row of `m`, -1 when not held. */
export function columnOf(m: FeatureMatrix, j: number): number {
  return m.col ? m.col[j]! : j;
}

/** Values used when a formula is undefined (flat window, no volume). Documented in schema.ts. */
const NEUTRAL: Partial<Record<FeatureName, number>> = {
  rsi_14: 50,
  bb_pctb_20: 0.5,
  stoch_k_14: 50,
  stoch_d_3: 50,
  willr_14: -50,
  cci_20: 0,
  adx_14: 0,
  pdi_14: 0,
  mdi_14: 0,
  mfi_14: 50,
  obv_z_20: 0,
  volume_z_20: 0,
};

const VOLUME_WINDOW = 21;

const col = (name: FeatureName) => featureIndex(name);
const C = {
  ret_1: col("ret_1"),
  ret_3: col("ret_3"),
  ret_6: col("ret_6"),
  ret_12: col("ret_12"),
  ret_24: col("ret_24"),
  range_pct: col("range_pct"),
  body_pct: col("body_pct"),
  upper_wick: col("upper_wick"),
  lower_wick: col("lower_wick"),
  vol_12: col("vol_12"),
  vol_24: col("vol_24"),
  rsi_14: col("rsi_14"),
  macd: col("macd"),
  macd_signal: col("macd_signal"),
  macd_hist: col("macd_hist"),
  bb_upper_20: col("bb_upper_20"),
  bb_lower_20: col("bb_lower_20"),
  bb_pctb_20: col("bb_pctb_20"),
  bb_width_20: col("bb_width_20"),
  atr_14: col("atr_14"),
  atr_pct_14: col("atr_pct_14"),
  adx_14: col("adx_14"),
  pdi_14: col("pdi_14"),
  mdi_14: col("mdi_14"),
  stoch_k_14: col("stoch_k_14"),
  stoch_d_3: col("stoch_d_3"),
  cci_20: col("cci_20"),
  willr_14: col("willr_14"),
  mfi_14: col("mfi_14"),
  obv_z_20: col("obv_z_20"),
  volume_z_20: col("volume_z_20"),
  has_volume: col("has_volume"),
  ema_9_dist: col("ema_9_dist"),
  ema_21_dist: col("ema_21_dist"),
  ema_50_dist: col("ema_50_dist"),
  sma_20_dist: col("sma_20_dist"),
  sma_50_dist: col("sma_50_dist"),
  sma_200_dist: col("sma_200_dist"),
};
const FEATURE_NAMES = FEATURE_SCHEMA.names;
/** [column, neutral value] pairs, resolved once. */
const NEUTRAL_COLS = Object.entries(NEUTRAL).map(([k, v]) => [featureIndex(k), v] as const);

function rollingMean(x: Float64Array, window: number, t: number): number {
  let s = 0;
  for (let k = t - window + 1; k <= t; k++) s += x[k]!;
  return s / window;
}

function rollingStd(x: Float64Array, window: number, t: number, m = rollingMean(x, window, t)): number {
  let v = 0;
  for (let k = t - window + 1; k <= t; k++) v += (x[k]! - m) ** 2;
  return Math.sqrt(v / (window - 1));
}

function rollingZ(x: Float64Array, window: number, t: number): number {
  const m = rollingMean(x, window, t);
  const sd = rollingStd(x, window, t, m);
  return sd > 0 ? (x[t]! - m) / sd : 0;
}

/**
 * Features of `bars`. `only` (lazy): compute just these columns (and the indicators they read); the
 * others stay NaN. Each computed column is bit for bit the one of the full computation (same
 * arithmetic in the same order; equivalence.test.ts). Absent: every feature.
 */
export function computeFeatures(bars: readonly Bar[], only?: ReadonlySet<FeatureName>): FeatureMatrix {
  const n = bars.length;
  const F = FEATURE_COUNT;
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const times = new Array<number>(n);
  for (let t = 0; t < n; t++) {
    const b = bars[t]!;
    open[t] = b.open;
    high[t] = b.high;
    low[t] = b.low;
    close[t] = b.close;
    times[t] = b.time;
  }
  const validFrom = Math.min(n, FEATURE_WARMUP_BARS);

  // Columns of a group come together (one indicator); those not asked for are set back to NaN below.
  const written: FeatureName[] = [];
  const want = (...names: FeatureName[]) => {
    if (!only) return true;
    const on = names.some((x) => only.has(x));
    if (on) written.push(...names.filter((x) => !only.has(x)));
    return on;
  };
  const wRet = want("ret_1", "ret_3", "ret_6", "ret_12", "ret_24");
  const wCandle = want("range_pct", "body_pct", "upper_wick", "lower_wick");
  const wVol = want("vol_12", "vol_24");
  const wRsi = want("rsi_14");
  const wMacd = want("macd", "macd_signal", "macd_hist");
  const wBb = want("bb_upper_20", "bb_lower_20", "bb_pctb_20", "bb_width_20");
  const wAtr = want("atr_14", "atr_pct_14");
  const wAdx = want("adx_14", "pdi_14", "mdi_14");
  const wStoch = want("stoch_k_14", "stoch_d_3");
  const wCci = want("cci_20");
  const wWillr = want("willr_14");
  const wMfi = want("mfi_14");
  const wObv = want("obv_z_20");
  const wVolZ = want("volume_z_20");
  const wVolume = want("has_volume") || wMfi || wObv || wVolZ;
  if (only && wVolume && !only.has("has_volume") && !written.includes("has_volume")) written.push("has_volume");
  const wEma9 = want("ema_9_dist");
  const wEma21 = want("ema_21_dist");
  const wEma50 = want("ema_50_dist");
  const wSma20 = want("sma_20_dist");
  const wSma50 = want("sma_50_dist");
  const wSma200 = want("sma_200_dist");

  // The layout: every feature (full), or only the columns of the groups computed (lazy, compact).
  let S: number = F;
  let K: Record<FeatureName, number> = C;
  let col: Int32Array | undefined;
  if (only) {
    col = new Int32Array(F).fill(-1);
    const held = new Set<FeatureName>([...only, ...written]);
    if (wVolume) held.add("has_volume");
    S = 0;
    K = { ...C };
    for (let j = 0; j < F; j++) {
      const name = FEATURE_NAMES[j]!;
      K[name] = held.has(name) ? S++ : -1;
      if (only.has(name)) col[j] = K[name];
    }
  }
  const values = new Float64Array(n * S).fill(NaN);
  const layout = only ? { only, col: col! } : {};
  if (validFrom >= n) return { values, stride: S, count: n, validFrom: n, times, ...layout };

  // Unread indicators are never computed: an empty buffer stands in (never read: its columns are off).
  const none = new Float64Array(0);
  const buf = () => new Float64Array(n);
  const rsi = wRsi ? rsiWilder(close, 14) : none;
  // MACD(12,26,9) with EMAs: the line exists from bar 25 (the slow EMA's seed), the signal is EMA-9 of it.
  let macdLine: Float64Array = none;
  let macdSig: Float64Array = none;
  const macdHist = wMacd ? new Float64Array(n) : none;
  if (wMacd) {
    const ema12 = ema(close, 12, buf());
    const ema26 = ema(close, 26, buf());
    macdLine = buf().fill(NaN);
    for (let t = 25; t < n; t++) macdLine[t] = ema12[t]! - ema26[t]!;
    macdSig = ema(macdLine, 9, buf(), 25);
    for (let t = 0; t < n; t++) macdHist[t] = macdLine[t]! - macdSig[t]!;
  }
  const bbU = wBb ? buf() : none;
  const bbL = wBb ? buf() : none;
  const bbM = wBb ? buf() : none;
  // Windowed indicators only for the rows emitted (>= validFrom); running sums still start at bar 0.
  if (wBb) bollinger(close, 20, 2, bbU, bbL, bbM, validFrom);
  const atrV = wAtr ? atr(high, low, close, 14, buf()) : none;
  const adxV = wAdx ? buf() : none;
  const pdi = wAdx ? buf() : none;
  const mdi = wAdx ? buf() : none;
  if (wAdx) adx(high, low, close, 14, adxV, pdi, mdi);
  const stK = wStoch ? buf() : none;
  const stD = wStoch ? buf() : none;
  const hh14 = wStoch || wWillr ? buf() : none;
  const ll14 = wStoch || wWillr ? buf() : none;
  if (wStoch || wWillr) rollingHighLow(high, low, 14, hh14, ll14);
  if (wStoch) stochastic(close, hh14, ll14, 14, 3, stK, stD);
  const cciV = wCci ? cci(high, low, close, 20, buf(), buf(), validFrom) : none;
  const willr = wWillr ? williamsR(close, hh14, ll14, buf()) : none;
  const ema9 = wEma9 ? ema(close, 9, buf()) : none;
  const ema21 = wEma21 ? ema(close, 21, buf()) : none;
  const ema50 = wEma50 ? ema(close, 50, buf()) : none;
  const sma20 = wSma20 ? sma(close, 20, buf()) : none;
  const sma50 = wSma50 ? sma(close, 50, buf()) : none;
  const sma200 = wSma200 ? sma(close, 200, buf()) : none;

  // Log return/volume only where a row's window reads them (the newest rows + 24 / 20 before).
  const logRet = wRet || wVol ? new Float64Array(n) : none;
  if (wRet || wVol)
    for (let t = Math.max(1, validFrom - 24); t < n; t++) logRet[t] = Math.log(close[t]! / close[t - 1]!);

  // Volume: a bar has volume when it is a positive number; each row checks its own trailing window.
  const vol = wVolume ? new Float64Array(n) : none;
  const hasVolPrefix = wVolume ? new Int32Array(n + 1) : new Int32Array(0);
  const obv = wObv ? new Float64Array(n) : none;
  const logVol = wVolZ ? new Float64Array(n) : none;
  let mfiV: Float64Array = none;
  if (wVolume) {
    for (let t = 0; t < n; t++) {
      const v = bars[t]!.volume;
      vol[t] = v !== undefined && v > 0 ? v : 0;
    }
    for (let t = 0; t < n; t++) hasVolPrefix[t + 1] = hasVolPrefix[t]! + (vol[t]! > 0 ? 1 : 0);
    if (wMfi) mfiV = mfi(high, low, close, vol, 14);
    for (let t = 0; t < n; t++) {
      if (wVolZ && t >= validFrom - 20) logVol[t] = vol[t]! > 0 ? Math.log(vol[t]!) : 0;
      if (wObv && t > 0) obv[t] = obv[t - 1]! + Math.sign(close[t]! - close[t - 1]!) * vol[t]!;
    }
  }

  for (let t = validFrom; t < n; t++) {
    const r = t * S;
    const c = close[t]!;
    if (wRet) {
      values[r + K.ret_1] = logRet[t]!;
      values[r + K.ret_3] = Math.log(c / close[t - 3]!);
      values[r + K.ret_6] = Math.log(c / close[t - 6]!);
      values[r + K.ret_12] = Math.log(c / close[t - 12]!);
      values[r + K.ret_24] = Math.log(c / close[t - 24]!);
    }
    if (wCandle) {
      const o = open[t]!;
      const h = high[t]!;
      const l = low[t]!;
      values[r + K.range_pct] = (h - l) / c;
      values[r + K.body_pct] = (c - o) / c;
      values[r + K.upper_wick] = (h - Math.max(o, c)) / c;
      values[r + K.lower_wick] = (Math.min(o, c) - l) / c;
    }
    if (wVol) {
      values[r + K.vol_12] = rollingStd(logRet, 12, t);
      values[r + K.vol_24] = rollingStd(logRet, 24, t);
    }
    if (wRsi) values[r + K.rsi_14] = rsi[t]!;
    if (wMacd) {
      values[r + K.macd] = macdLine[t]! / c;
      values[r + K.macd_signal] = macdSig[t]! / c;
      values[r + K.macd_hist] = macdHist[t]! / c;
    }
    if (wBb) {
      const u = bbU[t]!;
      const lo = bbL[t]!;
      values[r + K.bb_upper_20] = u / c - 1;
      values[r + K.bb_lower_20] = lo / c - 1;
      values[r + K.bb_pctb_20] = u > lo ? (c - lo) / (u - lo) : NaN;
      values[r + K.bb_width_20] = (u - lo) / bbM[t]!;
    }
    if (wAtr) {
      values[r + K.atr_14] = atrV[t]!;
      values[r + K.atr_pct_14] = atrV[t]! / c;
    }
    if (wAdx) {
      values[r + K.adx_14] = adxV[t]!;
      values[r + K.pdi_14] = pdi[t]!;
      values[r + K.mdi_14] = mdi[t]!;
    }
    if (wStoch) {
      values[r + K.stoch_k_14] = stK[t]!;
      values[r + K.stoch_d_3] = stD[t]!;
    }
    if (wCci) values[r + K.cci_20] = cciV[t]!;
    if (wWillr) values[r + K.willr_14] = willr[t]!;
    if (wVolume) {
      const hasVol = hasVolPrefix[t + 1]! - hasVolPrefix[t + 1 - VOLUME_WINDOW]! === VOLUME_WINDOW;
      values[r + K.has_volume] = hasVol ? 1 : 0;
      if (wMfi) values[r + K.mfi_14] = hasVol ? mfiV[t]! : NaN;
      if (wObv) values[r + K.obv_z_20] = hasVol ? rollingZ(obv, 20, t) : NaN;
      if (wVolZ) values[r + K.volume_z_20] = hasVol ? rollingZ(logVol, 20, t) : NaN;
    }
    if (wEma9) values[r + K.ema_9_dist] = c / ema9[t]! - 1;
    if (wEma21) values[r + K.ema_21_dist] = c / ema21[t]! - 1;
    if (wEma50) values[r + K.ema_50_dist] = c / ema50[t]! - 1;
    if (wSma20) values[r + K.sma_20_dist] = c / sma20[t]! - 1;
    if (wSma50) values[r + K.sma_50_dist] = c / sma50[t]! - 1;
    if (wSma200) values[r + K.sma_200_dist] = c / sma200[t]! - 1;
  }
  // Degenerate windows (flat prices: 0/0) and missing volume get the documented neutral value.
  const neutral = only
    ? NEUTRAL_COLS.filter(([j]) => only.has(FEATURE_NAMES[j]!)).map(([j, v]) => [K[FEATURE_NAMES[j]!], v] as const)
    : NEUTRAL_COLS;
  if (neutral.length)
    for (let t = validFrom; t < n; t++) {
      for (const [j, v] of neutral) if (!Number.isFinite(values[t * S + j]!)) values[t * S + j] = v;
    }
  return { values, stride: S, count: n, validFrom, times, ...layout };
}

/** One row of every feature: a view (no copy), or for a lazy matrix a copy with NaN where it holds none. */
export function featureRow(m: FeatureMatrix, t: number): Float64Array {
  if (!m.col) return m.values.subarray(t * m.stride, (t + 1) * m.stride);
  const row = new Float64Array(m.col.length);
  for (let j = 0; j < row.length; j++) row[j] = featureAt(m, t, j);
  return row;
}
