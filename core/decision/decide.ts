// THE decision code: live cycles, manual predictions and the backtester all call prepareInputs()
// then decide(). Pure and deterministic (time comes in as `now`); model outputs come in as data,
// so running the models (ONNX in the object, native in Node) stays with the caller.
import { combine, type ModelOutcome } from "../ensemble/consensus";
import { FEATURE_SCHEMA } from "../features/schema";
import { roundToTick } from "../instruments/rounding";
import type { InstrumentSpec } from "../instruments/spec";
import type { Timeframe } from "../market/timeframes";
import type { BotConfig } from "../protocol/bot-config";
import type { Prediction, TradePlan } from "../protocol/prediction";
import { sizePosition } from "../risk/sizing";
import { computeStops } from "../risk/stops";
import { evaluate, evaluateGroup, groupText, type Snapshot } from "../strategy/evaluate";
import type { RuleGroup } from "../strategy/schema";
import type { StrategyVerdict } from "../strategy/verdict";
import type { DecisionInputs } from "./inputs";

export {
  BARS_PER_TIMEFRAME,
  type DecisionInputs,
  decisionTimeframeOf,
  FEATURE_WINDOW,
  MIN_DECISION_BARS,
  MIN_MODEL_BARS,
  type ModelInput,
  type PrepareResult,
  prepareInputs,
  singleTimeframeConfig,
} from "./inputs";

import { errorMessage } from "../util/error-message";

/** What one model produced for its row: class probabilities [SELL, HOLD, BUY], or why none. */
export type ModelOutput = { probabilities: readonly number[] } | { error: string };

export interface DecideArgs {
  botId: string;
  config: BotConfig;
  /** "multi" for the whole ensemble, or the timeframe of a one-model view. */
  label: "multi" | Timeframe;
  inputs: DecisionInputs;
  /** Per ensemble timeframe; a missing entry for a ready row counts as a failed model. */
  outputs: Partial<Record<Timeframe, ModelOutput>>;
  /** Undefined when the symbol has no spec: the decision is made, but no plan. */
  instrument: InstrumentSpec | undefined;
  balance: number;
  accountCurrency?: string;
  /** Expected fill: live uses the decision bar's close (the default); the backtester passes the next bar's open. */
  entry?: number;
  /** generatedAt; passed in so the function stays pure. */
  now: number;
}

/** The ensemble outcome of every configured model: rows still warming up and failed runs are excluded with their reason. */
export function modelOutcomes(inputs: DecisionInputs, outputs: DecideArgs["outputs"]): ModelOutcome[] {
  return inputs.models.map((m): ModelOutcome => {
    if (!m.ok) return { timeframe: m.timeframe, weight: m.weight, error: m.reason };
    const out = outputs[m.timeframe];
    if (!out) return { timeframe: m.timeframe, weight: m.weight, error: "model produced no output" };
    return "error" in out
      ? { timeframe: m.timeframe, weight: m.weight, error: out.error }
      : { timeframe: m.timeframe, weight: m.weight, probabilities: out.probabilities };
  });
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

type PlanResult = { plan: TradePlan; reason: string } | { plan: null; reason: string };

/** SL/TP, risk:reward gate and size for a side at an entry. Every refusal comes back as a reason. */
export function planTrade(
  config: BotConfig,
  side: "BUY" | "SELL",
  entry: number,
  atr: number | null,
  instrument: InstrumentSpec | undefined,
  balance: number,
  accountCurrency = "USD",
): PlanResult {
  const r = tradePlan(config, side, entry, atr, instrument, balance, accountCurrency);
  return r.plan ? { plan: r.plan, reason: planText(r.plan) } : r;
}

/** The reason planTrade gives with a plan. */
export function planText(plan: TradePlan): string {
  return `${plan.side} ${plan.volume} lots at ${plan.entry}, SL ${plan.stopLoss ?? "none"}, TP ${plan.takeProfit ?? "none"}, R:R ${plan.riskReward ?? "n/a"}`;
}

type PlannedStops = { sl: number | null; tp: number | null; rr: number | null };

/**
 * SL/TP levels the config asks for at `entry` (either may be null: none configured). Both present:
 * computeStops (tick rounding, rr on the rounded levels); one alone: that level on the tick.
 */
export function configuredStops(
  config: BotConfig,
  side: "BUY" | "SELL",
  entry: number,
  atr: number | null,
  instrument: InstrumentSpec,
): PlannedStops | { reason: string } {
  const s = config.risk.stops;
  if (s.mode === "none") return { sl: null, tp: null, rr: null };
  const [slUnits, tpUnits] = s.mode === "atr" ? [s.slAtrMult, s.tpAtrMult] : [s.sl, s.tp];
  if (slUnits === null && tpUnits === null) return { sl: null, tp: null, rr: null };
  if (s.mode === "atr" && (atr === null || !(atr > 0)))
    return { reason: "ATR not available (warming up or flat prices): no ATR stops" };
  try {
    if (slUnits !== null && tpUnits !== null) {
      return s.mode === "atr"
        ? computeStops(
            { mode: "atr", side, entry, atr: atr as number, slAtrMult: slUnits, tpAtrMult: tpUnits },
            instrument,
          )
        : computeStops({ mode: "pips", side, entry, slPips: slUnits, tpPips: tpUnits }, instrument);
    }
    const unit = s.mode === "atr" ? (atr as number) : instrument.pipSize;
    const dir = side === "BUY" ? 1 : -1;
    const level = (units: number, away: number) => {
      const v = roundToTick(entry + away * dir * units * unit, instrument);
      if (!(v > 0)) throw new RangeError("stop distance puts a level at or below zero");
      if (v === entry) throw new RangeError("stop distance rounds to zero ticks");
      return v;
    };
    return {
      sl: slUnits !== null ? level(slUnits, -1) : null,
      tp: tpUnits !== null ? level(tpUnits, 1) : null,
      rr: null,
    };
  } catch (err) {
    return { reason: `stops refused: ${errorMessage(err)}` };
  }
}

/**
 * planTrade without the text of a plan (refusals keep theirs): the backtester builds it only for
 * the decisions it records (planText). Same plan, same refusals.
 */
export function tradePlan(
  config: BotConfig,
  side: "BUY" | "SELL",
  entry: number,
  atr: number | null,
  instrument: InstrumentSpec | undefined,
  balance: number,
  accountCurrency = "USD",
): { plan: TradePlan } | { plan: null; reason: string } {
  if (!instrument) return { plan: null, reason: `no instrument spec for ${config.symbol}: can't place stops or size` };
  if (!(entry > 0)) return { plan: null, reason: `no valid entry price (${entry})` };
  const { minRiskReward, sizing } = config.risk;
  const st = configuredStops(config, side, entry, atr, instrument);
  if ("reason" in st) return { plan: null, reason: st.reason };
  const stops = st;
  // Rounding to ticks can pull R:R just under the configured ratio; a small tolerance keeps 2.0 = 2.0.
  if (stops.rr !== null && stops.rr + 1e-6 < minRiskReward)
    return { plan: null, reason: `risk:reward ${stops.rr} below minimum ${minRiskReward}` };
  if (sizing.mode === "risk_pct" && stops.sl === null)
    return { plan: null, reason: "sizing refused: risk_pct sizing needs a stop loss" };
  let sized: ReturnType<typeof sizePosition>;
  try {
    sized = sizePosition(
      sizing.mode === "fixed"
        ? { mode: "fixed", lots: sizing.lots }
        : { mode: "risk_pct", pct: sizing.pct, balance, entry, sl: stops.sl as number },
      instrument,
      accountCurrency,
    );
  } catch (err) {
    return { plan: null, reason: `sizing refused: ${errorMessage(err)}` };
  }
  if (sized.volume <= 0) {
    const why =
      sized.reason === "no_conversion_rate"
        ? `no rate to convert ${instrument.quoteCurrency} into ${accountCurrency}`
        : `size ${sized.rawVolume.toFixed(4)} lots is below the minimum lot ${instrument.minLot}`;
    return { plan: null, reason: `no position: ${why}` };
  }
  return {
    plan: { side, entry, stopLoss: stops.sl, takeProfit: stops.tp, riskReward: stops.rr, volume: sized.volume, atr },
  };
}

/**
 * Ensemble -> strategy check -> confidence threshold -> plan. The direction is HOLD when the
 * ensemble says so or the strategy disagrees; a BUY/SELL below the threshold keeps its direction
 * but gets no plan. `reason` always says why there is (or is no) plan.
 */
export function decide(args: DecideArgs): Prediction {
  const { config, inputs } = args;
  const ensemble = combine(modelOutcomes(inputs, args.outputs));
  const threshold = config.execution.confidenceThreshold;
  let strategy: StrategyVerdict;
  let direction = ensemble.direction;
  let reason: string;
  let plan: TradePlan | null = null;

  if (ensemble.direction === "HOLD") {
    strategy = evaluate(
      config.strategy,
      "HOLD",
      inputs.strategy.ok ? inputs.strategy.snapshot : { current: {}, previous: {} },
    );
    reason = `ensemble says HOLD: ${ensemble.reason}`;
  } else if (!inputs.strategy.ok) {
    strategy = { agreed: false, reason: inputs.strategy.reason, checks: [] };
    direction = "HOLD";
    reason = `blocked: ${inputs.strategy.reason}`;
  } else {
    strategy = evaluate(config.strategy, ensemble.direction, inputs.strategy.snapshot);
    if (!strategy.agreed) {
      direction = "HOLD";
      reason = strategy.reason;
    } else if (ensemble.confidence < threshold) {
      reason = `confidence ${pct(ensemble.confidence)} below threshold ${pct(threshold)}`;
    } else {
      const p = planTrade(
        config,
        ensemble.direction,
        args.entry ?? inputs.bar.close,
        inputs.atr,
        args.instrument,
        args.balance,
        args.accountCurrency,
      );
      plan = p.plan;
      reason = p.reason;
    }
  }

  const exits = inputs.strategy.ok ? exitVerdicts(config, inputs.strategy.snapshot) : undefined;
  return {
    botId: args.botId,
    symbol: config.symbol,
    timeframe: args.label,
    barTime: inputs.barTime,
    ensemble,
    strategy,
    direction,
    confidence: ensemble.confidence,
    threshold,
    plan,
    reason,
    ...(exits ? { exits } : {}),
    featureSchemaHash: FEATURE_SCHEMA.hash,
    generatedAt: args.now,
    cached: false,
  };
}

/** The exit rule groups on the decision bar's snapshot (null for a side without a group). */
export function exitVerdicts(config: BotConfig, snapshot: Snapshot): NonNullable<Prediction["exits"]> {
  const one = (g: RuleGroup | null) => {
    if (!g) return null;
    const r = evaluateGroup(g, snapshot);
    return { passed: r.passed, reason: r.passed ? groupText(g) : r.failure };
  };
  return { long: one(config.strategy.exit_long), short: one(config.strategy.exit_short) };
}
