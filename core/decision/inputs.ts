// Step (a) of a decision: bars -> what the models and the strategy look at. Pure; no I/O.
import { computeFeatures, featureAt, featureRow } from "../features/compute";
import { FEATURE_COUNT, FEATURE_WARMUP_BARS, type FeatureName, featureIndex } from "../features/schema";
import type { Bar } from "../market/bar";
import { TIMEFRAME_MS, type Timeframe } from "../market/timeframes";
import type { BotConfig } from "../protocol/bot-config";
import type { Snapshot } from "../strategy/evaluate";
import { snapshotOf } from "../strategy/snapshot";

/** Bars for one feature row at the newest bar: the warm-up plus the bar itself. */
export const MIN_MODEL_BARS = FEATURE_WARMUP_BARS + 1;
/** The decision timeframe also needs the row before (crosses compare two bars). */
export const MIN_DECISION_BARS = FEATURE_WARMUP_BARS + 2;
/**
 * Features are always computed from exactly this many newest bars (fewer only while warming up).
 * A fixed window makes a row independent of how much history the caller happened to pass, so the
 * live path (a few hundred stored bars) and a backtest (years of bars + asOf) compute identical
 * rows; it also bounds the CPU per prediction.
 */
export const FEATURE_WINDOW = MIN_DECISION_BARS;
/** What a live caller requests per timeframe: 200 bars on top of the warm-up (the design's ">= 200 bars"; charts use them too). */
export const BARS_PER_TIMEFRAME = FEATURE_WARMUP_BARS + 200;

const ATR = featureIndex("atr_14");

export interface Ohlc {
  open: number;
  high: number;
  low: number;
  close: number;
}

/** One ensemble member's input: the feature row at its newest closed bar, or why there is none. */
export type ModelInput =
  | { timeframe: Timeframe; weight: number; ok: true; features: Float32Array; barTime: number }
  | { timeframe: Timeframe; weight: number; ok: false; reason: string };

export interface DecisionInputs {
  /** The shortest timeframe of the ensemble: its bar is the one decided on (strategy, ATR, entry). */
  decisionTimeframe: Timeframe;
  /** Close time (epoch ms) of the newest decision bar: cache and idempotency key. */
  barTime: number;
  /** Close time of the newest bar per ensemble timeframe (a change in any of them is new information). */
  closeTimes: Partial<Record<Timeframe, number>>;
  models: ModelInput[];
  /** Strategy view of the decision bar and the bar before it, or why it can't be built. */
  strategy: { ok: true; snapshot: Snapshot } | { ok: false; reason: string };
  /** Newest decision bar's prices (entry = its close live). */
  bar: Ohlc;
  /** ATR(14) of the decision timeframe at that bar in price units; null while warming up. */
  atr: number | null;
}

export type PrepareResult = { ok: true; inputs: DecisionInputs } | { ok: false; reason: string };

/** The ensemble's shortest timeframe (ties impossible: one model per timeframe). */
export function decisionTimeframeOf(config: Pick<BotConfig, "ensemble">): Timeframe {
  return config.ensemble.models.reduce(
    (a, m) => (TIMEFRAME_MS[m.timeframe] < TIMEFRAME_MS[a] ? m.timeframe : a),
    config.ensemble.models[0]!.timeframe,
  );
}

/** A one-model view of a bot (GET /predict?timeframe=4h): same config, ensemble of that timeframe alone. */
export function singleTimeframeConfig(config: BotConfig, timeframe: Timeframe): BotConfig {
  return { ...config, ensemble: { models: [{ timeframe, weight: 1 }] } };
}

/** The newest FEATURE_WINDOW bars whose close time is <= asOf (bars are oldest first): the no-look-ahead cut. */
function window(bars: readonly Bar[], tf: Timeframe, asOf: number | undefined): readonly Bar[] {
  let n = bars.length;
  if (asOf !== undefined) {
    // Binary search: a backtest passes its whole history at every step.
    const dur = TIMEFRAME_MS[tf];
    let lo = 0;
    while (lo < n) {
      const mid = (lo + n) >>> 1;
      if (bars[mid]!.time + dur <= asOf) lo = mid + 1;
      else n = mid;
    }
  }
  return bars.slice(Math.max(0, n - FEATURE_WINDOW), n);
}

const warming = (need: number, have: number) => `warming up: need ${need} bars, have ${have}`;

/**
 * Feature rows at the newest closed bar of every ensemble timeframe, plus the strategy snapshot,
 * prices and ATR of the decision timeframe. `barsByTf` must hold CLOSED bars only, oldest first;
 * `asOf` (optional) drops any bar closing after it, so a backtest can pass its whole history.
 * Rows before the feature warm-up are never produced: that model gets a "warming up" reason.
 * `needs` (lazy features, featureNeeds in feature-needs.ts): per timeframe the only features to
 * compute (null or absent: every one); a model must only run on a timeframe that computes all.
 */
export function prepareInputs(
  config: Pick<BotConfig, "ensemble">,
  barsByTf: Partial<Record<Timeframe, readonly Bar[]>>,
  asOf?: number,
  needs?: ReadonlyMap<Timeframe, ReadonlySet<FeatureName> | null>,
): PrepareResult {
  const decisionTf = decisionTimeframeOf(config);
  const closeTimes: Partial<Record<Timeframe, number>> = {};
  let decision: { bar: Ohlc; barTime: number; strategy: DecisionInputs["strategy"]; atr: number | null } | undefined;
  const models: ModelInput[] = config.ensemble.models.map(({ timeframe, weight }): ModelInput => {
    const bars = window(barsByTf[timeframe] ?? [], timeframe, asOf);
    const n = bars.length;
    if (n === 0) return { timeframe, weight, ok: false, reason: `no closed ${timeframe} bars` };
    const last = bars[n - 1]!;
    const barTime = last.time + TIMEFRAME_MS[timeframe];
    closeTimes[timeframe] = barTime;
    const fm = n >= MIN_MODEL_BARS ? computeFeatures(bars, needs?.get(timeframe) ?? undefined) : undefined;
    if (timeframe === decisionTf) {
      let strategy: DecisionInputs["strategy"];
      if (fm && n >= MIN_DECISION_BARS && fm.validFrom <= n - 2) {
        strategy = {
          ok: true,
          snapshot: snapshotOf(
            { features: featureRow(fm, n - 1), bar: last },
            { features: featureRow(fm, n - 2), bar: bars[n - 2]! },
          ),
        };
      } else {
        strategy = { ok: false, reason: `strategy can't be checked on ${timeframe}: ${warming(MIN_DECISION_BARS, n)}` };
      }
      const atr = fm && fm.validFrom <= n - 1 ? featureAt(fm, n - 1, ATR) : null;
      decision = {
        bar: { open: last.open, high: last.high, low: last.low, close: last.close },
        barTime,
        strategy,
        atr: atr !== null && Number.isFinite(atr) ? atr : null,
      };
    }
    if (!fm || fm.validFrom > n - 1) return { timeframe, weight, ok: false, reason: warming(MIN_MODEL_BARS, n) };
    return { timeframe, weight, ok: true, features: Float32Array.from(featureRow(fm, n - 1)), barTime };
  });
  if (!decision) return { ok: false, reason: `no closed ${decisionTf} bars (the decision timeframe)` };
  return {
    ok: true,
    inputs: {
      decisionTimeframe: decisionTf,
      barTime: decision.barTime,
      closeTimes,
      models,
      strategy: decision.strategy,
      bar: decision.bar,
      atr: decision.atr,
    },
  };
}
