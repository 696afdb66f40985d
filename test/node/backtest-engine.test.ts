// The backtester against the live decision code: same decisions as prepareInputs(asOf) + decide at
// sampled bars (shipped ONNX models through onnxruntime-node), no look-ahead, gates, rules mode.
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PredictBatch, prepareBacktest, runBacktest, simulate } from "../../core/backtest/engine";
import { decide, type ModelOutput, prepareInputs } from "../../core/decision/decide";
import { featureRow } from "../../core/features/compute";
import { FEATURE_COUNT } from "../../core/features/schema";
import { getInstrument } from "../../core/instruments/catalog";
import type { Bar } from "../../core/market/bar";
import { parseBarsCsv } from "../../core/market/csv";
import { resample } from "../../core/market/resample";
import type { Timeframe } from "../../core/market/timeframes";
import { type BotConfigInput, BotConfigSchema } from "../../core/protocol/bot-config";
import { evaluate } from "../../core/strategy/evaluate";
import { strategyPreset } from "../../core/strategy/presets";
import { snapshotOf } from "../../core/strategy/snapshot";
import { ortPredictBatch } from "../../models/cli/ort-batch";

const here = (p: string) => new URL(p, import.meta.url);
// 16k half-hours (~1.8 years): enough for the 1d model's 301-bar warm-up plus decisions.
const ALL = parseBarsCsv(readFileSync(here("../../models/data/usdchf_30m.csv"), "utf8")).bars;
const BARS = ALL.slice(0, 16_000);
const MODEL_FILES = { "2h": "usdchf_2h.onnx", "4h": "usdchf_4h.onnx", "1d": "usdchf_1d.onnx" } as const;
const files = Object.fromEntries(
  Object.entries(MODEL_FILES).map(([tf, f]) => [tf, here(`../../models/trained/${f}`).pathname]),
);

const mlConfig = (over: Partial<BotConfigInput> = {}) =>
  BotConfigSchema.parse({
    symbol: "USDCHF",
    ensemble: {
      models: [
        { timeframe: "2h", weight: 0.5 },
        { timeframe: "4h", weight: 0.3 },
        { timeframe: "1d", weight: 0.2 },
      ],
    },
    execution: { confidenceThreshold: 0.5, cooldownMinutes: 0, dailyTradeLimit: 1000 },
    risk: { maxOpenPositions: 3 },
    ...over,
  });

let predictBatch: PredictBatch & { release(): Promise<void> };
const single = new Map<string, ort.InferenceSession>();
beforeAll(async () => {
  predictBatch = await ortPredictBatch(files);
  for (const [tf, f] of Object.entries(files)) single.set(tf, await ort.InferenceSession.create(readFileSync(f)));
});
afterAll(async () => {
  await predictBatch.release();
  for (const s of single.values()) await s.release();
});

describe("backtest decisions = prepareInputs(asOf) + decide, bar by bar", () => {
  it("matches the live decision code on sampled decision bars (direction, confidence, reason, plan)", async () => {
    const config = mlConfig();
    const r = await runBacktest(
      { config, baseTimeframe: "30m", bars: BARS, mode: { kind: "models", predictBatch } },
      { recordDecisions: true, sizingBalance: 10_000 },
    );
    const byTf: Partial<Record<Timeframe, Bar[]>> = {
      "2h": resample(BARS, "30m", "2h").bars,
      "4h": resample(BARS, "30m", "4h").bars,
      "1d": resample(BARS, "30m", "1d").bars,
    };
    const decided = r.decisions!.filter((d) => d.outcome !== "gated");
    const traded = decided.filter((d) => d.outcome === "traded");
    expect(traded.length).toBeGreaterThan(2);
    // Every 150th decision plus the first three trades, and the very first decision (warming-up models).
    const sample = [decided[0]!, ...decided.filter((_, i) => i % 150 === 75), ...traded.slice(0, 3)];
    for (const d of sample) {
      const prep = prepareInputs(config, byTf, d.time);
      expect(prep.ok).toBe(true);
      if (!prep.ok) continue;
      const outputs: Partial<Record<Timeframe, ModelOutput>> = {};
      for (const m of prep.inputs.models) {
        if (!m.ok) continue;
        const s = single.get(m.timeframe)!;
        const out = await s.run({ features: new ort.Tensor("float32", m.features, [1, FEATURE_COUNT]) });
        outputs[m.timeframe] = { probabilities: Array.from((out.probabilities!.data as Float32Array).subarray(0, 3)) };
      }
      const p = decide({
        botId: "backtest",
        config,
        label: "multi",
        inputs: prep.inputs,
        outputs,
        instrument: getInstrument("USDCHF"),
        balance: 10_000,
        now: d.time,
      });
      expect(p.barTime).toBe(d.time);
      expect(p.direction).toBe(d.direction);
      expect(p.confidence).toBeCloseTo(d.confidence, 6);
      expect(p.reason).toBe(d.reason);
      if (d.outcome === "traded") {
        const t = r.trades.find((x) => x.decisionTime === d.time)!;
        expect(p.plan).not.toBeNull();
        expect([t.side, t.sl, t.tp, t.volume]).toEqual([
          p.plan!.side,
          p.plan!.stopLoss,
          p.plan!.takeProfit,
          p.plan!.volume,
        ]);
        // Next-bar fill: the entry bar opens at the decision bar's close.
        expect(t.entryTime).toBe(d.time);
        const next = BARS.find((b) => b.time === d.time)!;
        const half = (getInstrument("USDCHF")!.defaultSpreadPoints * 0.00001) / 2;
        expect(t.entryPrice).toBeCloseTo(t.side === "BUY" ? next.open + half : next.open - half, 9);
      }
    }
  }, 120_000);
});

describe("no look-ahead", () => {
  it("changing every bar after t changes no decision, fill or equity at or before t", async () => {
    const config = mlConfig();
    const setup = (bars: Bar[]) => ({
      config,
      baseTimeframe: "30m" as const,
      bars,
      mode: { kind: "models" as const, predictBatch },
    });
    const a = await runBacktest(setup(BARS), { recordDecisions: true });
    const tIdx = 12_000;
    const t = BARS[tIdx]!.time;
    // Bars opening after t: a different (but valid) future, prices bent by up to +-3%.
    const bent = BARS.map((b, i) => {
      if (b.time <= t) b = { ...b };
      else {
        const f = 1 + 0.03 * Math.sin(i / 37);
        b = { time: b.time, open: b.open * f, high: b.high * f, low: b.low * f, close: b.close * f };
      }
      return b;
    });
    const b = await runBacktest(setup(bent), { recordDecisions: true });
    const before = <T extends { time: number }>(xs: readonly T[]) => xs.filter((x) => x.time <= t);
    expect(before(b.decisions!)).toEqual(before(a.decisions!));
    const fills = (r: typeof a) =>
      r.trades
        .filter((x) => x.entryTime <= t)
        .map((x) => ({
          ...x,
          ...(x.exitTime > t ? { exitTime: 0, exitPrice: 0, reason: "", grossPnl: 0, commission: 0, netPnl: 0 } : {}),
        }));
    expect(fills(b)).toEqual(fills(a));
    expect(fills(a).length).toBeGreaterThan(0);
    const k = a.times.findIndex((x) => x > t + 30 * 60_000);
    expect(Array.from(b.equity.subarray(0, k))).toEqual(Array.from(a.equity.subarray(0, k)));
    // The changed future does change what happens after t (the test can fail).
    expect(b.decisions!.filter((x) => x.time > t)).not.toEqual(a.decisions!.filter((x) => x.time > t));
  }, 120_000);
});

describe("gates, as the live cycle applies them", () => {
  const rules = (execution: BotConfigInput["execution"], maxOpenPositions = 1) =>
    BotConfigSchema.parse({
      symbol: "USDCHF",
      ensemble: { models: [{ timeframe: "2h", weight: 1 }] },
      strategy: strategyPreset("band_reversion")!.strategy,
      execution,
      risk: { maxOpenPositions },
    });
  const run = (config: ReturnType<typeof rules>) =>
    runBacktest({ config, baseTimeframe: "30m", bars: BARS, mode: { kind: "rules" } }, { recordDecisions: true });

  it("max open positions: never more than the limit open at once", async () => {
    for (const max of [1, 2]) {
      const r = await run(rules({ cooldownMinutes: 0, dailyTradeLimit: 1000 }, max));
      expect(r.gated.max_open_positions).toBeGreaterThan(0);
      for (const t of r.trades)
        expect(
          r.trades.filter((u) => u.entryTime <= t.entryTime && u.exitTime > t.entryTime).length,
        ).toBeLessThanOrEqual(max);
    }
  });

  it("daily limit per UTC day and cooldown between executions", async () => {
    const daily = await run(rules({ cooldownMinutes: 0, dailyTradeLimit: 1 }, 5));
    expect(daily.gated.daily_limit).toBeGreaterThan(0);
    const days = daily.trades.map((t) => Math.floor(t.decisionTime / 86_400_000));
    expect(new Set(days).size).toBe(days.length);
    const cool = await run(rules({ cooldownMinutes: 600, dailyTradeLimit: 1000 }, 5));
    expect(cool.gated.cooldown).toBeGreaterThan(0);
    for (let i = 1; i < cool.trades.length; i++)
      expect(cool.trades[i]!.decisionTime - cool.trades[i - 1]!.decisionTime).toBeGreaterThanOrEqual(600 * 60_000);
  });
});

describe("rules-only mode", () => {
  it("BUY exactly where the buy group passes and the sell group doesn't (evaluate on snapshotOf), and vice versa", async () => {
    const config = BotConfigSchema.parse({
      symbol: "USDCHF",
      ensemble: { models: [{ timeframe: "2h", weight: 1 }] },
      strategy: strategyPreset("band_reversion")!.strategy,
      execution: { cooldownMinutes: 0, dailyTradeLimit: 1000 },
      risk: { maxOpenPositions: 20 },
    });
    const prep = await prepareBacktest({ config, baseTimeframe: "30m", bars: BARS, mode: { kind: "rules" } });
    const r = simulate(prep, { recordDecisions: true });
    const s = prep.series.get("2h")!;
    let signals = 0;
    for (const d of r.decisions!) {
      const k = s.closes.indexOf(d.time);
      if (k < 301) continue;
      // Every feature's row (the series holds only the rules' features: NaN for the others).
      const row = (j: number) => featureRow(s.features, j);
      const snap = snapshotOf({ features: row(k), bar: s.bars[k]! }, { features: row(k - 1), bar: s.bars[k - 1]! });
      const buy = evaluate(config.strategy, "BUY", snap).agreed;
      const sell = evaluate(config.strategy, "SELL", snap).agreed;
      const want = buy && !sell ? "BUY" : sell && !buy ? "SELL" : "HOLD";
      expect(d.direction).toBe(want);
      if (want !== "HOLD") signals++;
    }
    expect(signals).toBeGreaterThan(20);
    expect(r.trades.length).toBeGreaterThan(10);
  });
});
