// End-to-end rules-only backtest against grademark (a plain JavaScript backtester on data-forge), side
// by side in one run, same data and strategy: RSI(14) 30/70 long-only (enter when RSI < 30, exit when
// RSI > 70; no stops, no costs), on the first 100,000 bars of USD/CHF 30m followed by its time-shifted
// copy (as bench/backtest.ts). End to end = everything from parsed bars to the trade list:
//  - edgetrader: prepareBacktest (series + lazy features: only rsi_14 and atr_14 are computed) + simulate;
//  - grademark: the DataFrame of the bars, its prepIndicators step (the same Wilder RSI, a plain loop:
//    the cheapest feature step it can have) and backtest().
// Both give the same trade list (checked here: entry/exit times and prices). After two warm-up rounds, nine rounds run
// both back to back; reported: median times and the median of the per-round ratios. Writes bench/results/backtest-vs-grademark.json.
// Run: npx tsx bench/backtest-vs-grademark.ts
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { DataFrame, Series } from "data-forge";
import { backtest as grademarkBacktest, type IBar, type IStrategy } from "grademark";
import { prepareBacktest, simulate } from "../core/backtest/engine";
import { MIN_DECISION_BARS } from "../core/decision/decide";
import { rsiWilder } from "../core/features/wilder";
import { INSTRUMENTS } from "../core/instruments/catalog";
import type { Bar } from "../core/market/bar";
import { parseBarsCsv } from "../core/market/csv";
import { BotConfigSchema } from "../core/protocol/bot-config";
import { commonMachine } from "./common-shape";

const BARS = 100_000;
const ROUNDS = 9;
const WARMUP = 2;
const here = (p: string) => new URL(p, import.meta.url).pathname;
const real = parseBarsCsv(readFileSync(here("../models/data/usdchf_30m.csv"), "utf8")).bars;
const shift = real.at(-1)!.time + 30 * 60_000 - real[0]!.time;
const k = real.at(-1)!.close / real[0]!.open;
/** The copy is quoted like the original: 5 digits. */
const r5 = (x: number) => Math.round(x * 1e5) / 1e5;
const bars: Bar[] = [
  ...real,
  ...real.map((b) => ({
    time: b.time + shift,
    open: r5(b.open * k),
    high: r5(b.high * k),
    low: r5(b.low * k),
    close: r5(b.close * k),
  })),
].slice(0, BARS);

// ---- edgetrader ----
const config = BotConfigSchema.parse({
  symbol: "USDCHF",
  ensemble: { models: [{ timeframe: "30m", weight: 1 }] },
  strategy: {
    buy: { all: [{ indicator: "rsi_14", op: "<", value: 30 }] },
    exit_long: { all: [{ indicator: "rsi_14", op: ">", value: 70 }] },
  },
  risk: { stops: { mode: "none" }, sizing: { mode: "fixed", lots: 1 } },
  execution: { direction: "long_only", cooldownMinutes: 0, dailyTradeLimit: 1000 },
});
const instrument = { ...INSTRUMENTS.USDCHF!, defaultSpreadPoints: 0, commissionPerLotPerSide: 0 };
async function edgetrader() {
  const prep = await prepareBacktest({ config, baseTimeframe: "30m", bars, mode: { kind: "rules" }, instrument });
  return simulate(prep, { initialBalance: 1_000_000 }).trades;
}

// ---- grademark ----
interface GBar extends IBar {
  rsi: number;
}
const strategy: IStrategy<IBar, GBar> = {
  prepIndicators: ({ inputSeries }) => {
    const rsi = rsiWilder(inputSeries.getSeries("close").toArray() as number[], 14);
    // Rules start where edgetrader's do: after the feature warm-up (its first decision bar).
    for (let t = 0; t < MIN_DECISION_BARS - 1 && t < rsi.length; t++) rsi[t] = NaN;
    return inputSeries.withSeries("rsi", new Series(Array.from(rsi))) as DataFrame<number, GBar>;
  },
  entryRule: (enter, { bar }) => {
    if (bar.rsi < 30) enter();
  },
  exitRule: (exit, { bar }) => {
    if (bar.rsi > 70) exit();
  },
};
function grademark() {
  const df = new DataFrame<number, GBar>(
    bars.map((b) => ({
      time: new Date(b.time),
      open: b.open,
      high: b.high,
      low: b.low,
      close: b.close,
      volume: 0,
      rsi: NaN,
    })),
  );
  return grademarkBacktest(strategy, df);
}

// ---- same trades ----
const ours = (await edgetrader()).map((t) => [t.entryTime, t.entryPrice, t.exitTime, t.exitPrice].join(" "));
const theirs = grademark().map((t) => [Number(t.entryTime), t.entryPrice, Number(t.exitTime), t.exitPrice].join(" "));
const sameTrades = ours.length === theirs.length && ours.every((x, i) => x === theirs[i]);
console.log(`trades: edgetrader ${ours.length}, grademark ${theirs.length}, identical lists: ${sameTrades}`);
if (!sameTrades) {
  const i = ours.findIndex((x, j) => x !== theirs[j]);
  console.log(`first difference at trade ${i}: edgetrader ${ours[i]} | grademark ${theirs[i]}`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = { edgetrader: [] as number[], grademark: [] as number[] };
// Warm-up rounds (JIT) are not counted; then each round runs both back to back, so a round's ratio
// compares the two under the same machine load (the machine is shared).
for (let r = -WARMUP; r < ROUNDS; r++) {
  for (const [name, run] of [
    ["edgetrader", edgetrader],
    ["grademark", async () => grademark()],
  ] as const) {
    const t0 = performance.now();
    await run();
    if (r >= 0) ms[name].push(performance.now() - t0);
  }
}
const e = median(ms.edgetrader);
const g = median(ms.grademark);
const ratios = ms.edgetrader.map((x, i) => ms.grademark[i]! / x);
const perS = (m: number) => Math.round(BARS / (m / 1000));
const result = {
  at: new Date().toISOString(),
  machine: commonMachine(),
  data: `first ${BARS.toLocaleString("en")} bars of models/data/usdchf_30m.csv followed by its time-shifted copy`,
  strategy: "RSI(14) 30/70 long-only, exit when RSI > 70, no stops, zero costs",
  rounds: ROUNDS,
  trades: ours.length,
  same_trades: sameTrades,
  edgetrader: {
    end_to_end_ms: Math.round(e),
    end_to_end_bars_per_s: perS(e),
    samples_ms: ms.edgetrader.map(Math.round),
  },
  grademark: { end_to_end_ms: Math.round(g), end_to_end_bars_per_s: perS(g), samples_ms: ms.grademark.map(Math.round) },
  /** Median over rounds of grademark's time / edgetrader's time in the same round. */
  ratio: Math.round(median(ratios) * 100) / 100,
  ratios: ratios.map((x) => Math.round(x * 100) / 100),
  ratio_of_medians: Math.round((g / e) * 100) / 100,
  target_ratio: 5,
};
console.log(
  `edgetrader ${result.edgetrader.end_to_end_ms} ms (${result.edgetrader.end_to_end_bars_per_s.toLocaleString("en")} bars/s), grademark ${result.grademark.end_to_end_ms} ms (${result.grademark.end_to_end_bars_per_s.toLocaleString("en")} bars/s): ${result.ratio}x (target >= 5x)`,
);
mkdirSync(here("./results"), { recursive: true });
writeFileSync(here("./results/backtest-vs-grademark.json"), JSON.stringify(result, null, 1));
console.log("wrote bench/results/backtest-vs-grademark.json");
