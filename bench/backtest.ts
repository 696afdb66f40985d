// Backtest throughput on 100k+ real bars: USD/CHF 30m (62,496 bars) followed by a time-shifted copy of
// itself (prices scaled so the seam is continuous) = 124,992 bars. Two strategies:
//  - rules only (band_reversion preset deciding on every 30m bar, live default gates),
//  - the full ML pipeline: shipped 2h/4h/1d ONNX models (onnxruntime-node, one batch per timeframe),
//    ensemble + strategy + threshold + stops + sizing per 2h decision bar, exits on every 30m bar.
// Reported: the one-time preparation (features; batched inference) and the bar-by-bar simulation
// separately, and end to end. Median of ROUNDS runs. Writes bench/results/backtest.json.
// Run: npx tsx bench/backtest.ts
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { type BacktestSetup, prepareBacktest, simulate } from "../core/backtest/engine";
import type { Bar } from "../core/market/bar";
import { parseBarsCsv } from "../core/market/csv";
import { BotConfigSchema } from "../core/protocol/bot-config";
import { strategyPreset } from "../core/strategy/presets";
import { ortPredictBatch } from "../models/cli/ort-batch";
import { commonMachine } from "./common-shape";

const ROUNDS = 5;
const here = (p: string) => new URL(p, import.meta.url).pathname;
const real = parseBarsCsv(readFileSync(here("../models/data/usdchf_30m.csv"), "utf8")).bars;

function doubled(bars: readonly Bar[]): Bar[] {
  const first = bars[0]!;
  const last = bars[bars.length - 1]!;
  const shift = last.time + 30 * 60_000 - first.time;
  const k = last.close / first.open;
  const copy = bars.map((b) => ({
    time: b.time + shift,
    open: b.open * k,
    high: b.high * k,
    low: b.low * k,
    close: b.close * k,
  }));
  return [...bars, ...copy];
}
const bars = doubled(real);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function measure(name: string, setup: BacktestSetup) {
  const prepMs: number[] = [];
  const simMs: number[] = [];
  let trades = 0;
  let decisionBars = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const prep = await prepareBacktest(setup);
    const t1 = performance.now();
    const res = simulate(prep, {});
    const t2 = performance.now();
    prepMs.push(t1 - t0);
    simMs.push(t2 - t1);
    trades = res.trades.length;
    decisionBars = res.decisionBars;
  }
  const prep = median(prepMs);
  const sim = median(simMs);
  const out = {
    name,
    bars: bars.length,
    decision_bars: decisionBars,
    trades,
    prepare_ms: Math.round(prep),
    simulate_ms: Math.round(sim),
    simulate_bars_per_s: Math.round(bars.length / (sim / 1000)),
    end_to_end_bars_per_s: Math.round(bars.length / ((prep + sim) / 1000)),
    samples: { prepare_ms: prepMs.map(Math.round), simulate_ms: simMs.map(Math.round) },
  };
  console.log(
    `${name}: ${bars.length} bars, ${decisionBars} decision bars, ${trades} trades | prepare ${out.prepare_ms} ms, simulate ${out.simulate_ms} ms -> simulate ${out.simulate_bars_per_s.toLocaleString()} bars/s, end to end ${out.end_to_end_bars_per_s.toLocaleString()} bars/s`,
  );
  return out;
}

const rulesConfig = BotConfigSchema.parse({
  symbol: "USDCHF",
  ensemble: { models: [{ timeframe: "30m", weight: 1 }] },
  strategy: strategyPreset("band_reversion")!.strategy,
});
const rules = await measure("rules_only_band_reversion_30m", {
  config: rulesConfig,
  baseTimeframe: "30m",
  bars,
  mode: { kind: "rules" },
});

const predict = await ortPredictBatch({
  "2h": here("../models/trained/usdchf_2h.onnx"),
  "4h": here("../models/trained/usdchf_4h.onnx"),
  "1d": here("../models/trained/usdchf_1d.onnx"),
});
const mlConfig = BotConfigSchema.parse({
  symbol: "USDCHF",
  ensemble: {
    models: [
      { timeframe: "2h", weight: 0.5 },
      { timeframe: "4h", weight: 0.3 },
      { timeframe: "1d", weight: 0.2 },
    ],
  },
  execution: { confidenceThreshold: 0.5 },
});
const ml = await measure("ml_ensemble_2h_4h_1d", {
  config: mlConfig,
  baseTimeframe: "30m",
  bars,
  mode: { kind: "models", predictBatch: predict },
});
await predict.release();

const result = {
  at: new Date().toISOString(),
  machine: commonMachine(),
  data: "models/data/usdchf_30m.csv (62,496 real 30m bars) + a copy shifted in time to follow it, prices scaled for a continuous seam = 124,992 bars",
  rounds: ROUNDS,
  targets: { rules_only_bars_per_s: 1_000_000, ml_bars_per_s: 100_000 },
  results: [rules, ml],
};
mkdirSync(here("./results"), { recursive: true });
writeFileSync(here("./results/backtest.json"), JSON.stringify(result, null, 1));
console.log("wrote bench/results/backtest.json");
