// Lazy features give the live cycle and the backtester the same decisions as computing every feature:
// prepareInputs with featureNeeds returns the same strategy snapshot values for the names the rules
// read, the same ATR and the same model rows where a model runs; a backtest computing only the
// rules' features gives the same trades, equity and decision records as one computing all of them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runBacktest } from "../backtest/engine";
import { parseBarsCsv } from "../market/csv";
import { resample } from "../market/resample";
import { type BotConfigInput, BotConfigSchema } from "../protocol/bot-config";
import { strategyNames } from "../strategy/names";
import { strategyPreset } from "../strategy/presets";
import { featureNeeds } from "./feature-needs";
import { MIN_DECISION_BARS, prepareInputs } from "./inputs";

const BARS = parseBarsCsv(
  readFileSync(new URL("../../models/data/usdchf_30m.csv", import.meta.url), "utf8"),
).bars.slice(-9000);

const STRATEGIES: Record<string, BotConfigInput["strategy"]> = {
  band_reversion: strategyPreset("band_reversion")!.strategy,
  rsi_macd_reversal: strategyPreset("rsi_macd_reversal")!.strategy,
  trend_filter: strategyPreset("trend_filter")!.strategy,
  rsi_exits_ohlc: {
    buy: { all: [{ indicator: "rsi_14", op: "crosses_above", value: 30 }] },
    sell: {
      any: [
        { indicator: "close", op: "<", value: { indicator: "open" } },
        { indicator: "cci_20", op: ">", value: 150 },
      ],
    },
    exit_long: { all: [{ indicator: "stoch_k_14", op: ">", value: 80 }] },
    exit_short: { all: [{ indicator: "mfi_14", op: "<", value: 20 }] },
  },
};

describe("featureNeeds", () => {
  it("model timeframes: every feature; decision timeframe: the rules' names and ATR; others: none", () => {
    const config = BotConfigSchema.parse({
      symbol: "USDCHF",
      ensemble: {
        models: [
          { timeframe: "30m", weight: 0.5 },
          { timeframe: "2h", weight: 0.3 },
          { timeframe: "4h", weight: 0.2 },
        ],
      },
      strategy: STRATEGIES.rsi_exits_ohlc,
    });
    const needs = featureNeeds(config, ["2h"]);
    expect([...needs.get("30m")!].sort()).toEqual(["atr_14", "cci_20", "mfi_14", "rsi_14", "stoch_k_14"]);
    expect(needs.get("2h")).toBeNull();
    expect(needs.get("4h")!.size).toBe(0);
  });
});

describe("lazy features change no decision", () => {
  it("live: prepareInputs with the needs equals prepareInputs computing everything", () => {
    const byTf = { "30m": BARS, "2h": resample(BARS, "30m", "2h").bars };
    for (const [name, strategy] of Object.entries(STRATEGIES)) {
      const config = BotConfigSchema.parse({
        symbol: "USDCHF",
        ensemble: {
          models: [
            { timeframe: "30m", weight: 0.6 },
            { timeframe: "2h", weight: 0.4 },
          ],
        },
        strategy,
      });
      const names = strategyNames(config.strategy);
      for (const asOf of [
        BARS[MIN_DECISION_BARS * 4]!.time,
        BARS[5000]!.time + 1_800_000,
        BARS.at(-1)!.time + 1_800_000,
      ]) {
        const full = prepareInputs(config, byTf, asOf);
        const lazy = prepareInputs(config, byTf, asOf, featureNeeds(config, ["2h"]));
        if (!full.ok || !lazy.ok) throw new Error("inputs");
        expect(lazy.inputs.atr, name).toBe(full.inputs.atr);
        expect(lazy.inputs.bar).toEqual(full.inputs.bar);
        const snap = (i: typeof full.inputs) => (i.strategy.ok ? i.strategy.snapshot : null);
        for (const n of names) {
          expect(Object.is(snap(lazy.inputs)!.current[n], snap(full.inputs)!.current[n]), `${name} ${n}`).toBe(true);
          expect(Object.is(snap(lazy.inputs)!.previous[n], snap(full.inputs)!.previous[n]), `${name} ${n}`).toBe(true);
        }
        // The 2h model runs: its row is the full one.
        const m = (i: typeof full.inputs) => i.models.find((x) => x.timeframe === "2h")!;
        expect(m(lazy.inputs)).toEqual(m(full.inputs));
      }
    }
  });

  it("backtest: rules-only runs give identical results with only the rules' features", async () => {
    for (const [name, strategy] of Object.entries(STRATEGIES)) {
      for (const stops of [{ mode: "atr" }, { mode: "pips", sl: 20, tp: 40 }] as const) {
        const config = BotConfigSchema.parse({
          symbol: "USDCHF",
          ensemble: { models: [{ timeframe: "2h", weight: 1 }] },
          strategy,
          risk: { stops },
          exits: { onOppositeSignal: true, maxHoldMinutes: 2880 },
        });
        const setup = { config, baseTimeframe: "30m" as const, bars: BARS, mode: { kind: "rules" as const } };
        const lazy = await runBacktest(setup, { recordDecisions: true });
        const full = await runBacktest({ ...setup, allFeatures: true }, { recordDecisions: true });
        expect(lazy.trades.length, name).toBeGreaterThan(0);
        expect(lazy.trades, name).toEqual(full.trades);
        expect(lazy.decisions, name).toEqual(full.decisions);
        expect(Array.from(lazy.equity), name).toEqual(Array.from(full.equity));
        expect(lazy.gated).toEqual(full.gated);
      }
    }
  });
});
