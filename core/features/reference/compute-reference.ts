// FROZEN reference: the technicalindicators-based computeFeatures as the shipped models were trained
// on it (copied verbatim from core/features/compute.ts before the fast rewrite). Used only by
// equivalence.test.ts and bench/features-ratio.ts to prove the fast path gives the same numbers.
// Do not "fix" or speed up this file: its value is that it does not change.
import { ADX, ATR, BollingerBands, CCI, EMA, MACD, SMA, Stochastic, WilliamsR } from "technicalindicators";
import type { Bar } from "../../market/bar";
import { FEATURE_COUNT, FEATURE_WARMUP_BARS, type FeatureName, featureIndex } from "../schema";
import { mfi, rsiWilder } from "../wilder";

/** Feature matrix: row t (flat, stride F) uses bars[0..t] only. Rows before validFrom are all NaN. */
export interface FeatureMatrix {
  readonly values: Float64Array;
  readonly stride: number;
  readonly count: number;
  /** First row where every feature is valid (= count when there is none). */
  readonly validFrom: number;
  /** Bar open times, one per row. */
  readonly times: readonly number[];
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

/** technicalindicators returns arrays aligned to the END of the input: pad the front with NaN. */
function endAligned(out: ArrayLike<number | undefined>, n: number): Float64Array {
  const a = new Float64Array(n).fill(NaN);
  const off = n - out.length;
  for (let j = 0; j < out.length; j++) {
    const v = out[j];
    a[off + j] = v === undefined ? NaN : v;
  }
  return a;
}

function rollingStd(x: Float64Array, window: number, t: number): number {
  let s = 0;
  for (let k = t - window + 1; k <= t; k++) s += x[k]!;
  const m = s / window;
  let v = 0;
  for (let k = t - window + 1; k <= t; k++) v += (x[k]! - m) ** 2;
  return Math.sqrt(v / (window - 1));
}

function rollingZ(x: Float64Array, window: number, t: number): number {
  let s = 0;
  for (let k = t - window + 1; k <= t; k++) s += x[k]!;
  const m = s / window;
  let v = 0;
  for (let k = t - window + 1; k <= t; k++) v += (x[k]! - m) ** 2;
  const sd = Math.sqrt(v / (window - 1));
  return sd > 0 ? (x[t]! - m) / sd : 0;
}

export function computeFeaturesReference(bars: readonly Bar[]): FeatureMatrix {
  const n = bars.length;
  const F = FEATURE_COUNT;
  const open = bars.map((b) => b.open);
  const high = bars.map((b) => b.high);
  const low = bars.map((b) => b.low);
  const close = bars.map((b) => b.close);
  const times = bars.map((b) => b.time);
  const values = new Float64Array(n * F).fill(NaN);
  const validFrom = Math.min(n, FEATURE_WARMUP_BARS);
  if (validFrom >= n) return { values, stride: F, count: n, validFrom: n, times };

  const hlc = { high, low, close };
  const rsi = rsiWilder(close, 14);
  const macd = MACD.calculate({
    values: close,
    fastPeriod: 12,
    slowPeriod: 26,
    signalPeriod: 9,
    SimpleMAOscillator: false,
    SimpleMASignal: false,
  });
  const macdLine = endAligned(
    macd.map((m) => m.MACD),
    n,
  );
  // The library drops a signal value of exactly 0 (falsy check), so the signal is EMA-9 of its MACD line here.
  const macdDefined = macd.map((m) => m.MACD).filter((v): v is number => v !== undefined);
  const macdSig = endAligned(EMA.calculate({ values: macdDefined, period: 9 }), n);
  const macdHist = new Float64Array(n);
  for (let t = 0; t < n; t++) macdHist[t] = macdLine[t]! - macdSig[t]!;
  const bb = BollingerBands.calculate({ values: close, period: 20, stdDev: 2 });
  const bbU = endAligned(
    bb.map((b) => b.upper),
    n,
  );
  const bbL = endAligned(
    bb.map((b) => b.lower),
    n,
  );
  const bbM = endAligned(
    bb.map((b) => b.middle),
    n,
  );
  const atr = endAligned(ATR.calculate({ ...hlc, period: 14 }), n);
  const adx = ADX.calculate({ ...hlc, period: 14 });
  const adxV = endAligned(
    adx.map((a) => a.adx),
    n,
  );
  const pdi = endAligned(
    adx.map((a) => a.pdi),
    n,
  );
  const mdi = endAligned(
    adx.map((a) => a.mdi),
    n,
  );
  const st = Stochastic.calculate({ ...hlc, period: 14, signalPeriod: 3 });
  const stK = endAligned(
    st.map((s) => s.k),
    n,
  );
  const stD = endAligned(
    st.map((s) => s.d),
    n,
  );
  const cci = endAligned(CCI.calculate({ ...hlc, period: 20 }), n);
  const willr = endAligned(WilliamsR.calculate({ ...hlc, period: 14 }), n);
  const ema9 = endAligned(EMA.calculate({ values: close, period: 9 }), n);
  const ema21 = endAligned(EMA.calculate({ values: close, period: 21 }), n);
  const ema50 = endAligned(EMA.calculate({ values: close, period: 50 }), n);
  const sma20 = endAligned(SMA.calculate({ values: close, period: 20 }), n);
  const sma50 = endAligned(SMA.calculate({ values: close, period: 50 }), n);
  const sma200 = endAligned(SMA.calculate({ values: close, period: 200 }), n);

  const logRet = new Float64Array(n);
  for (let t = 1; t < n; t++) logRet[t] = Math.log(close[t]! / close[t - 1]!);

  // Volume: a bar has volume when it is a positive number; each row checks its own trailing window.
  const vol = bars.map((b) => (b.volume !== undefined && b.volume > 0 ? b.volume : 0));
  const hasVolPrefix = new Int32Array(n + 1);
  for (let t = 0; t < n; t++) hasVolPrefix[t + 1] = hasVolPrefix[t]! + (vol[t]! > 0 ? 1 : 0);
  const mfiV = mfi(high, low, close, vol, 14);
  const obv = new Float64Array(n);
  const logVol = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    logVol[t] = vol[t]! > 0 ? Math.log(vol[t]!) : 0;
    if (t > 0) obv[t] = obv[t - 1]! + Math.sign(close[t]! - close[t - 1]!) * vol[t]!;
  }

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

  for (let t = validFrom; t < n; t++) {
    const r = t * F;
    const c = close[t]!;
    const o = open[t]!;
    const h = high[t]!;
    const l = low[t]!;
    values[r + C.ret_1] = logRet[t]!;
    values[r + C.ret_3] = Math.log(c / close[t - 3]!);
    values[r + C.ret_6] = Math.log(c / close[t - 6]!);
    values[r + C.ret_12] = Math.log(c / close[t - 12]!);
    values[r + C.ret_24] = Math.log(c / close[t - 24]!);
    values[r + C.range_pct] = (h - l) / c;
    values[r + C.body_pct] = (c - o) / c;
    values[r + C.upper_wick] = (h - Math.max(o, c)) / c;
    values[r + C.lower_wick] = (Math.min(o, c) - l) / c;
    values[r + C.vol_12] = rollingStd(logRet, 12, t);
    values[r + C.vol_24] = rollingStd(logRet, 24, t);
    values[r + C.rsi_14] = rsi[t]!;
    values[r + C.macd] = macdLine[t]! / c;
    values[r + C.macd_signal] = macdSig[t]! / c;
    values[r + C.macd_hist] = macdHist[t]! / c;
    const u = bbU[t]!;
    const lo = bbL[t]!;
    values[r + C.bb_upper_20] = u / c - 1;
    values[r + C.bb_lower_20] = lo / c - 1;
    values[r + C.bb_pctb_20] = u > lo ? (c - lo) / (u - lo) : NaN;
    values[r + C.bb_width_20] = (u - lo) / bbM[t]!;
    values[r + C.atr_14] = atr[t]!;
    values[r + C.atr_pct_14] = atr[t]! / c;
    values[r + C.adx_14] = adxV[t]!;
    values[r + C.pdi_14] = pdi[t]!;
    values[r + C.mdi_14] = mdi[t]!;
    values[r + C.stoch_k_14] = stK[t]!;
    values[r + C.stoch_d_3] = stD[t]!;
    values[r + C.cci_20] = cci[t]!;
    values[r + C.willr_14] = willr[t]!;
    const hasVol = hasVolPrefix[t + 1]! - hasVolPrefix[t + 1 - VOLUME_WINDOW]! === VOLUME_WINDOW;
    values[r + C.has_volume] = hasVol ? 1 : 0;
    values[r + C.mfi_14] = hasVol ? mfiV[t]! : NaN;
    values[r + C.obv_z_20] = hasVol ? rollingZ(obv, 20, t) : NaN;
    values[r + C.volume_z_20] = hasVol ? rollingZ(logVol, 20, t) : NaN;
    values[r + C.ema_9_dist] = c / ema9[t]! - 1;
    values[r + C.ema_21_dist] = c / ema21[t]! - 1;
    values[r + C.ema_50_dist] = c / ema50[t]! - 1;
    values[r + C.sma_20_dist] = c / sma20[t]! - 1;
    values[r + C.sma_50_dist] = c / sma50[t]! - 1;
    values[r + C.sma_200_dist] = c / sma200[t]! - 1;
  }
  // Degenerate windows (flat prices: 0/0) and missing volume get the documented neutral value.
  const neutral = Object.entries(NEUTRAL).map(([k, v]) => [featureIndex(k), v] as const);
  for (let t = validFrom; t < n; t++) {
    for (const [j, v] of neutral) if (!Number.isFinite(values[t * F + j]!)) values[t * F + j] = v;
  }
  return { values, stride: F, count: n, validFrom, times };
}
