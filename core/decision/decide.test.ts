import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FEATURE_COUNT, FEATURE_SCHEMA } from "../features/schema";
import { getInstrument } from "../instruments/catalog";
import type { Bar } from "../market/bar";
import { parseBarsCsv } from "../market/csv";
import { resample } from "../market/resample";
import { TIMEFRAME_MS, type Timeframe } from "../market/timeframes";
import { type BotConfig, BotConfigSchema } from "../protocol/bot-config";
import { PredictionSchema } from "../protocol/prediction";
import {
  BARS_PER_TIMEFRAME,
  type DecideArgs,
  type DecisionInputs,
  decide,
  MIN_MODEL_BARS,
  type ModelOutput,
  prepareInputs,
  singleTimeframeConfig,
} from "./decide";

// Real USD/CHF half-hourly quotes (models/data/SOURCE.md), resampled like the shipped models see them.
const bars30m = parseBarsCsv(readFileSync(new URL("../../models/data/usdchf_30m.csv", import.meta.url), "utf8")).bars;
const TFS = ["2h", "4h", "1d"] as const;
const series = Object.fromEntries(TFS.map((tf) => [tf, resample(bars30m, "30m", tf).bars])) as Record<
  (typeof TFS)[number],
  Bar[]
>;

/** Closed bars of every timeframe as a live caller at `asOf` would fetch them (newest BARS_PER_TIMEFRAME). */
function barsAt(asOf: number): Record<Timeframe, Bar[]> {
  const out: Partial<Record<Timeframe, Bar[]>> = {};
  for (const tf of TFS)
    out[tf] = series[tf].filter((b) => b.time + TIMEFRAME_MS[tf] <= asOf).slice(-BARS_PER_TIMEFRAME);
  return out as Record<Timeframe, Bar[]>;
}

const T = Date.UTC(1999, 4, 6, 20); // a Thursday evening close of a 2h bar, years into the data
const usdchf = getInstrument("USDCHF")!;

function config(over: Partial<Record<"strategy" | "execution" | "risk" | "exits", unknown>> = {}): BotConfig {
  return BotConfigSchema.parse({
    symbol: "USDCHF",
    ensemble: {
      models: [
        { timeframe: "2h", weight: 0.3 },
        { timeframe: "4h", weight: 0.3 },
        { timeframe: "1d", weight: 0.4 },
      ],
    },
    ...over,
  });
}

function inputsOf(
  cfg: BotConfig,
  bars: Partial<Record<Timeframe, readonly Bar[]>> = barsAt(T),
  asOf?: number,
): DecisionInputs {
  const r = prepareInputs(cfg, bars, asOf);
  if (!r.ok) throw new Error(r.reason);
  return r.inputs;
}

const BUY: ModelOutput = { probabilities: [0.05, 0.1, 0.85] };
const allBuy = { "2h": BUY, "4h": BUY, "1d": BUY } as const;

function run(cfg: BotConfig, outputs: DecideArgs["outputs"] = allBuy, extra: Partial<DecideArgs> = {}) {
  const p = decide({
    botId: "bot-1",
    config: cfg,
    label: "multi",
    inputs: inputsOf(cfg),
    outputs,
    instrument: usdchf,
    balance: 10_000,
    now: 1_700_000_000_000,
    ...extra,
  });
  return PredictionSchema.parse(p);
}

describe("prepareInputs", () => {
  it("builds one valid feature row per ensemble timeframe at its newest closed bar, and the decision bar's view", () => {
    const cfg = config();
    const inputs = inputsOf(cfg);
    expect(inputs.decisionTimeframe).toBe("2h");
    expect(inputs.barTime).toBe(T);
    expect(inputs.models.map((m) => m.timeframe)).toEqual(["2h", "4h", "1d"]);
    for (const m of inputs.models) {
      expect(m.ok).toBe(true);
      if (!m.ok) continue;
      expect(m.features).toBeInstanceOf(Float32Array);
      expect(m.features.length).toBe(FEATURE_SCHEMA.names.length);
      expect(m.features.every(Number.isFinite)).toBe(true);
      expect(m.barTime).toBeLessThanOrEqual(T);
    }
    const last2h = barsAt(T)["2h"].at(-1)!;
    expect(inputs.bar.close).toBe(last2h.close);
    expect(inputs.atr).toBeGreaterThan(0);
    expect(inputs.strategy.ok && inputs.strategy.snapshot.current.close).toBe(last2h.close);
  });

  it("refuses a row before the feature warm-up with the bar count it needs", () => {
    const bars = barsAt(T);
    bars["1d"] = bars["1d"].slice(-250);
    const m = inputsOf(config(), bars).models.find((x) => x.timeframe === "1d")!;
    expect(m).toMatchObject({ ok: false, reason: `warming up: need ${MIN_MODEL_BARS} bars, have 250` });
  });

  it("no look-ahead: bars after t (changed, added or removed) change nothing decided at t", () => {
    const cfg = config({ strategy: { buy: { all: [{ indicator: "rsi_14", op: "<", value: 101 }] }, sell: null } });
    const full: Record<string, Bar[]> = {};
    const altered: Record<string, Bar[]> = {};
    for (const tf of TFS) {
      const s = series[tf];
      const cut = s.findIndex((b) => b.time + TIMEFRAME_MS[tf] > T);
      full[tf] = s.slice(Math.max(0, cut - BARS_PER_TIMEFRAME), cut + 50);
      // A wild future: prices doubled and ranges blown up after t.
      altered[tf] = full[tf]!.map((b, i) =>
        i < full[tf]!.length - 50
          ? b
          : { ...b, open: b.open * 2, high: b.high * 3, low: b.low * 0.5, close: b.close * 2 },
      );
    }
    const a = inputsOf(cfg, full, T);
    const b = inputsOf(cfg, altered, T);
    const live = inputsOf(cfg, barsAt(T));
    expect(b).toEqual(a);
    expect(live).toEqual(a);
    // The backtester's way (the whole history + asOf) gives exactly the live rows: features use a fixed window.
    expect(inputsOf(cfg, series, T)).toEqual(a);
    const outputs = { "2h": BUY, "4h": { probabilities: [0.2, 0.5, 0.3] }, "1d": BUY } as const;
    const d = (inputs: DecisionInputs) =>
      decide({ botId: "b", config: cfg, label: "multi", inputs, outputs, instrument: usdchf, balance: 10_000, now: 1 });
    expect(d(b)).toEqual(d(a));
    // And the cut is real: without asOf the altered future is seen.
    expect(inputsOf(cfg, altered).barTime).toBeGreaterThan(T);
  });
});

describe("decide", () => {
  it("plans a BUY the strategy agrees with: ATR stops around the last close, R:R, fixed size", () => {
    const cfg = config({ strategy: { buy: { all: [{ indicator: "rsi_14", op: "<", value: 101 }] }, sell: null } });
    const p = run(cfg);
    expect(p.direction).toBe("BUY");
    expect(p.strategy.agreed).toBe(true);
    expect(p.confidence).toBeCloseTo(0.85, 6);
    expect(p.plan).not.toBeNull();
    const plan = p.plan!;
    const inputs = inputsOf(cfg);
    expect(plan.entry).toBe(inputs.bar.close);
    expect(plan.stopLoss).toBeLessThan(plan.entry);
    expect(plan.takeProfit).toBeGreaterThan(plan.entry);
    expect(plan.stopLoss).toBeCloseTo(plan.entry - 1.5 * inputs.atr!, 5);
    expect(plan.riskReward).toBeGreaterThanOrEqual(cfg.risk.minRiskReward);
    expect(plan.volume).toBe(0.1);
    expect(p.featureSchemaHash).toBe(FEATURE_SCHEMA.hash);
    expect(p.ensemble.breakdown).toHaveLength(3);
  });

  it("the strategy blocks a BUY it disagrees with: HOLD, no plan, reason recorded", () => {
    const p = run(config({ strategy: { buy: { all: [{ indicator: "rsi_14", op: "<", value: 0 }] }, sell: null } }));
    expect(p.ensemble.direction).toBe("BUY");
    expect(p.direction).toBe("HOLD");
    expect(p.plan).toBeNull();
    expect(p.strategy.agreed).toBe(false);
    expect(p.reason).toMatch(/^blocked by strategy: rsi_14 \(\d+(\.\d+)?\) < 0 failed$/);
    expect(p.strategy.checks[0]).toMatchObject({ rule: "rsi_14 < 0", passed: false });
  });

  it("below the confidence threshold: direction kept, no plan, reason says so", () => {
    const weak: ModelOutput = { probabilities: [0.2, 0.2, 0.6] };
    const p = run(config(), { "2h": weak, "4h": weak, "1d": weak });
    expect(p.direction).toBe("BUY");
    expect(p.confidence).toBeCloseTo(0.6, 6);
    expect(p.plan).toBeNull();
    expect(p.reason).toBe("confidence 60.0% below threshold 70.0%");
  });

  it("a failed model is excluded and reported; the rest still decide", () => {
    const p = run(config(), { "2h": BUY, "4h": { error: "model_load_failed: not an ONNX file" }, "1d": BUY });
    const bad = p.ensemble.breakdown.find((b) => b.timeframe === "4h")!;
    expect(bad).toMatchObject({ healthy: false, effectiveWeight: 0, error: "model_load_failed: not an ONNX file" });
    expect(p.ensemble.healthyModels).toBe(2);
    expect(p.ensemble.reason).toContain("1 unhealthy model excluded");
    expect(p.direction).toBe("BUY");
    expect(p.plan).not.toBeNull();
    // A model with no output at all counts as failed too.
    const q = run(config(), { "2h": BUY, "1d": BUY });
    expect(q.ensemble.breakdown[1]).toMatchObject({ healthy: false, error: "model produced no output" });
  });

  it("HOLD from the ensemble needs no strategy and makes no plan", () => {
    const hold: ModelOutput = { probabilities: [0.1, 0.8, 0.1] };
    const p = run(config({ strategy: { buy: { all: [{ indicator: "rsi_14", op: "<", value: 0 }] }, sell: null } }), {
      "2h": hold,
      "4h": hold,
      "1d": hold,
    });
    expect(p).toMatchObject({ direction: "HOLD", plan: null, strategy: { agreed: true } });
    expect(p.reason).toMatch(/^ensemble says HOLD/);
  });

  it("the backtester's entry (next bar open) and risk-based sizing", () => {
    const cfg = config({ risk: { sizing: { mode: "risk_pct", pct: 1 } } });
    const p = run(cfg, allBuy, { entry: 1.5, balance: 100_000 });
    expect(p.plan!.entry).toBe(1.5);
    // 1% of 100k at risk: loss at the stop (incl. commission) must not exceed 1,000 USD.
    const plan = p.plan!;
    const sl = plan.stopLoss!;
    const lossPerLot = ((plan.entry - sl) * usdchf.contractSize) / sl + 2 * usdchf.commissionPerLotPerSide;
    expect(plan.volume * lossPerLot).toBeLessThanOrEqual(1000 + 1e-6);
    expect((plan.volume + usdchf.lotStep) * lossPerLot).toBeGreaterThan(1000);
  });

  it("no instrument spec or a size below the minimum lot: a reason instead of a plan", () => {
    expect(run(config(), allBuy, { instrument: undefined }).reason).toBe(
      "no instrument spec for USDCHF: can't place stops or size",
    );
    const tiny = run(config({ risk: { sizing: { mode: "risk_pct", pct: 0.01 } } }), allBuy, { balance: 100 });
    expect(tiny.plan).toBeNull();
    expect(tiny.reason).toMatch(/below the minimum lot 0.01/);
  });

  it("a one-model view uses the same code with that timeframe alone", () => {
    const cfg = singleTimeframeConfig(config(), "4h");
    const p = decide({
      botId: "b",
      config: cfg,
      label: "4h",
      inputs: inputsOf(cfg),
      outputs: { "4h": BUY },
      instrument: usdchf,
      balance: 10_000,
      now: 5,
    });
    expect(p.timeframe).toBe("4h");
    expect(p.ensemble.breakdown.map((b) => [b.timeframe, b.effectiveWeight])).toEqual([["4h", 1]]);
    expect(p.barTime % TIMEFRAME_MS["4h"]).toBe(0);
  });

  it("is deterministic: same inputs, same prediction", () => {
    const cfg = config();
    expect(run(cfg)).toEqual(run(cfg));
    expect(FEATURE_COUNT).toBe(38);
  });
});

describe("optional stops and exit rules", () => {
  it("plans without a TP, without an SL, or with neither; risk_pct without a stop is refused", () => {
    const noTp = run(config({ risk: { stops: { mode: "atr", slAtrMult: 1.5, tpAtrMult: null } } })).plan!;
    expect(noTp.takeProfit).toBeNull();
    expect(noTp.riskReward).toBeNull();
    expect(noTp.stopLoss).toBeLessThan(noTp.entry);
    const noSl = run(config({ risk: { stops: { mode: "pips", tp: 40 } } })).plan!;
    expect([noSl.stopLoss, noSl.takeProfit]).toEqual([null, Number((noSl.entry + 0.004).toFixed(5))]);
    const none = run(config({ risk: { stops: { mode: "none" } } }));
    expect(none.plan).toMatchObject({ side: "BUY", stopLoss: null, takeProfit: null, riskReward: null, volume: 0.1 });
    expect(none.reason).toContain("SL none, TP none");
    // A short whose far TP would sit below zero is no longer forced: the TP is simply absent.
    const SELL: ModelOutput = { probabilities: [0.85, 0.1, 0.05] };
    const short = run(config({ risk: { stops: { mode: "atr", slAtrMult: 2, tpAtrMult: null } } }), {
      "2h": SELL,
      "4h": SELL,
      "1d": SELL,
    }).plan!;
    expect(short.side).toBe("SELL");
    expect(short.stopLoss).toBeGreaterThan(short.entry);
    expect(short.takeProfit).toBeNull();
  });

  it("reports the exit groups on the decision bar (passed, and the rule or why not)", () => {
    const p = run(
      config({
        strategy: {
          exit_long: { all: [{ indicator: "rsi_14", op: ">", value: 0 }] },
          exit_short: { all: [{ indicator: "rsi_14", op: ">", value: 100 }] },
        },
      }),
    );
    expect(p.exits!.long).toEqual({ passed: true, reason: "(rsi_14 > 0)" });
    expect(p.exits!.short!.passed).toBe(false);
    expect(p.exits!.short!.reason).toMatch(/^rsi_14 \([\d.]+\) > 100 failed$/);
    expect(run(config()).exits).toEqual({ long: null, short: null });
  });
});
