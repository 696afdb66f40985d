import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/**
 * The feature schema every model records. Column i of a feature row is FEATURE_NAMES[i].
 * Names are stable: strategy rules refer to them. Changing/reordering names is a new version.
 *
 * Units (chosen so features are scale-free across symbols and price levels):
 * - ret_N: log return close[t]/close[t-N].
 * - range_pct = (high-low)/close; body_pct = (close-open)/close; upper_wick/lower_wick = wick length / close.
 * - vol_N: sample std of 1-bar log returns over the last N bars.
 * - rsi_14 (0..100, Wilder, full precision); stoch_k_14 / stoch_d_3 (0..100); willr_14 (-100..0); cci_20.
 * - macd, macd_signal, macd_hist: MACD(12,26,9) of close DIVIDED BY close (percent-of-price MACD);
 *   signs and crosses are those of the classic MACD.
 * - bb_upper_20 / bb_lower_20: band/close - 1 (Bollinger 20, 2 sd), so "close below lower band" is bb_lower_20 > 0;
 *   bb_pctb_20 = (close-lower)/(upper-lower); bb_width_20 = (upper-lower)/middle.
 * - atr_14: Wilder ATR in PRICE units (what SL/TP distances use); atr_pct_14 = atr_14/close.
 * - adx_14, pdi_14, mdi_14: Wilder ADX / +DI / -DI (0..100).
 * - ema_N_dist / sma_N_dist: close/MA - 1. The 200 average is an SMA (exact after 200 bars; an EMA-200
 *   still carries ~13% of its seed after 200 bars, so it would depend on where the history starts).
 * - mfi_14: Money Flow Index 14 (full precision); obv_z_20: z-score of OBV over 20 bars (start-independent);
 *   volume_z_20: z-score of log(volume) over 20 bars.
 * - Volume features (mfi_14, obv_z_20, volume_z_20) need volume. Bars without volume (the USD/CHF quotes,
 *   many FX feeds) get documented NEUTRAL values: mfi_14 = 50, obv_z_20 = 0, volume_z_20 = 0, and
 *   has_volume = 0. has_volume = 1 only when each of the last 21 bars (the volume windows) has volume > 0;
 *   otherwise all volume features take the neutral values. One schema for all
 *   symbols keeps one feature row per timeframe for every model and rule of a bot; a model trained without
 *   volume sees constants there and cannot learn anything from them (trees never split on a constant; the
 *   logistic trainer gives constant columns scale 1 and zero weight).
 */
export const FEATURE_NAMES = [
  "ret_1",
  "ret_3",
  "ret_6",
  "ret_12",
  "ret_24",
  "range_pct",
  "body_pct",
  "upper_wick",
  "lower_wick",
  "vol_12",
  "vol_24",
  "rsi_14",
  "macd",
  "macd_signal",
  "macd_hist",
  "bb_upper_20",
  "bb_lower_20",
  "bb_pctb_20",
  "bb_width_20",
  "atr_14",
  "atr_pct_14",
  "adx_14",
  "pdi_14",
  "mdi_14",
  "stoch_k_14",
  "stoch_d_3",
  "cci_20",
  "willr_14",
  "mfi_14",
  "obv_z_20",
  "volume_z_20",
  "has_volume",
  "ema_9_dist",
  "ema_21_dist",
  "ema_50_dist",
  "sma_20_dist",
  "sma_50_dist",
  "sma_200_dist",
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

export const FEATURE_SCHEMA_NAME = "ohlcv-core";
export const FEATURE_SCHEMA_VERSION = 1;

/**
 * Bars of history before the first valid row: index FEATURE_WARMUP_BARS is the first row fed to a model,
 * so one valid row needs FEATURE_WARMUP_BARS + 1 bars. 300 because SMA-200 needs 200 bars and the
 * recursive indicators (EMA-50, MACD, Wilder RSI/ATR/ADX) must forget their seed: after 300 bars the
 * seed's weight is < 1e-4 (EMA-50: 0.961^250), so a row is the same whichever bar the history starts at
 * (tested in compute.test.ts).
 */
export const FEATURE_WARMUP_BARS = 300;

export function featureSchemaHash(name: string, version: number, names: readonly string[]): string {
  return bytesToHex(sha256(utf8ToBytes(`${name}|${version}|${names.join(",")}`)));
}

export interface FeatureSchema {
  readonly name: string;
  readonly version: number;
  readonly names: readonly FeatureName[];
  readonly hash: string;
  readonly warmupBars: number;
}

export const FEATURE_SCHEMA: FeatureSchema = Object.freeze({
  name: FEATURE_SCHEMA_NAME,
  version: FEATURE_SCHEMA_VERSION,
  names: FEATURE_NAMES,
  hash: featureSchemaHash(FEATURE_SCHEMA_NAME, FEATURE_SCHEMA_VERSION, FEATURE_NAMES),
  warmupBars: FEATURE_WARMUP_BARS,
});

export const FEATURE_COUNT = FEATURE_NAMES.length;

const INDEX: ReadonlyMap<string, number> = new Map(FEATURE_NAMES.map((n, i) => [n, i]));

/** Column of a feature name; throws on an unknown name so a typo in a rule fails loudly. */
export function featureIndex(name: string): number {
  const i = INDEX.get(name);
  if (i === undefined)
    throw new Error(`unknown feature "${name}" (schema ${FEATURE_SCHEMA_NAME} v${FEATURE_SCHEMA_VERSION})`);
  return i;
}

export function isFeatureName(name: string): name is FeatureName {
  return INDEX.has(name);
}
