// Backtests a bot over a bars CSV with the live decision code; prints a report and writes JSON.
// npm run backtest -- --data models/data/usdchf_30m.csv --symbol USDCHF \
//   --models models/trained/usdchf_2h.onnx,models/trained/usdchf_4h.onnx,models/trained/usdchf_1d.onnx --weights 0.5,0.3,0.2 \
//   [--threshold 0.5] [--strategy none|<preset>] [--walk-forward 4] [--balance 10000] [--from 1998-01-01] [--to 2001-01-01] [--out backtest.json]
// npm run backtest -- --data ... --symbol USDCHF --rules-only band_reversion [--timeframe 2h]
// npm run backtest -- --source delta --symbol BTCUSD --source-timeframe 1h --from 2026-01-01 --to 2026-03-01 \
//   --models models/trained/btcusd_1h.onnx,models/trained/btcusd_4h.onnx --weights 0.4,0.6 \
//   [--delta-url https://api.india.delta.exchange] [--cache models/data/delta-cache]
//   (Delta's candles over REST, cached as CSV under --cache: a rerun of the same range is offline)
// npm run backtest -- --data my.csv --config bot.json [--models ...] [--digits 2 --contract-size 1 --commission 0.5 --spread 0]
//   (any bot config in the API's schema, plus an optional "instrument" object of spec overrides: backtest-config.ts)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import {
  type BacktestMode,
  type FillRules,
  GRADEMARK_FILLS,
  LIVE_FILLS,
  prepareBacktest,
} from "../../core/backtest/engine";
import { buildReport } from "../../core/backtest/report";
import type { BacktestReport, BacktestWindow } from "../../core/backtest/schema";
import type { Bar } from "../../core/market/bar";
import { parseBarsCsv, parseUtc } from "../../core/market/csv";
import { DELTA_BASE_URLS } from "../../core/market/delta";
import { inferTimeframe } from "../../core/market/infer-timeframe";
import { type Timeframe, TimeframeSchema } from "../../core/market/timeframes";
import { decodeModel } from "../../core/onnx/proto";
import { type BotConfig, BotConfigSchema } from "../../core/protocol/bot-config";
import { STRATEGY_PRESETS, strategyPreset } from "../../core/strategy/presets";
import {
  type ConfigFile,
  type InstrumentOverrides,
  instrumentFor,
  parseBotConfig,
  readConfigFile,
} from "./backtest-config";
import { deltaHistory } from "./delta-history";
import { ortPredictBatch } from "./ort-batch";

const list = (s: string | undefined) =>
  s
    ? s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)
    : [];
const when = z.string().transform((s, ctx) => {
  const t = parseUtc(s.length === 10 ? `${s}T00:00:00` : s);
  if (!Number.isFinite(t)) ctx.addIssue({ code: "custom", message: `not a UTC date: ${s}` });
  return t;
});
const presetIds = STRATEGY_PRESETS.map((p) => p.id);

const ArgsSchema = z
  .object({
    source: z.enum(["csv", "delta"]).default("csv"),
    data: z.string().min(1).optional(),
    "delta-url": z
      .string()
      .url()
      .default(process.env["DELTA_REST_URL"] ?? DELTA_BASE_URLS.india),
    cache: z.string().min(1).default("models/data/delta-cache"),
    /** A bot config file (the API's schema); its symbol is used when --symbol is absent. */
    config: z.string().min(1).optional(),
    symbol: z
      .string()
      .regex(/^[A-Z0-9._-]{2,20}$/)
      .optional(),
    /** CSV: inferred from the bars' spacing when absent (a warning when given and the data disagrees); delta: 30m by default. */
    "source-timeframe": TimeframeSchema.optional(),
    models: z.string().optional(),
    weights: z.string().optional(),
    "rules-only": z
      .string()
      .refine((s) => presetIds.includes(s), `preset: one of ${presetIds.join(", ")}`)
      .optional(),
    timeframe: TimeframeSchema.optional(),
    strategy: z
      .string()
      .refine((s) => presetIds.includes(s), `preset: one of ${presetIds.join(", ")}`)
      .default("none"),
    threshold: z.coerce.number().min(0.5).max(1).optional(),
    "walk-forward": z.coerce.number().int().min(1).max(50).optional(),
    balance: z.coerce.number().positive().default(10_000),
    slippage: z.coerce.number().nonnegative().default(0),
    spread: z.coerce.number().nonnegative().optional(),
    cooldown: z.coerce.number().int().min(0).optional(),
    "daily-limit": z.coerce.number().int().min(1).optional(),
    "max-open": z.coerce.number().int().min(1).max(20).optional(),
    // Instrument overrides for custom data (the config file's "instrument" object; flags win).
    digits: z.coerce.number().int().min(0).max(10).optional(),
    "tick-size": z.coerce.number().positive().optional(),
    "contract-size": z.coerce.number().positive().optional(),
    commission: z.coerce.number().nonnegative().optional(),
    "commission-rate": z.coerce.number().nonnegative().optional(),
    "min-lot": z.coerce.number().positive().optional(),
    "lot-step": z.coerce.number().positive().optional(),
    leverage: z.coerce.number().positive().optional(),
    // Fill rules where backtesters differ (docs/BACKTEST.md "Fill rules"): a preset, then single rules.
    "fill-rules": z.enum(["live", "grademark"]).default("live"),
    "exits-on-entry-bar": z.enum(["on", "off"]).optional(),
    "entry-on-exit-bar": z.enum(["on", "off"]).optional(),
    from: when.optional(),
    to: when.optional(),
    out: z.string().default("backtest.json"),
  })
  .refine(
    (a) => (a.config ? !a["rules-only"] : a.models ? !a["rules-only"] : !!a["rules-only"]),
    "give --models (ML ensemble) or --rules-only <preset>, not both; with --config the rules come from the file (add --models for ML)",
  )
  .refine((a) => !a.config || a.strategy === "none", "--strategy <preset> and --config: the strategy is the config's")
  .refine((a) => !!a.config || !!a.symbol, "--symbol is required (or --config with a symbol)")
  .refine((a) => (a.source === "csv" ? !!a.data : !a.data), "--source csv needs --data; --source delta fetches its own")
  .refine(
    (a) => a.source === "csv" || (a.from !== undefined && a.to !== undefined),
    "--source delta needs --from and --to (the range to fetch)",
  );

const { values } = parseArgs({
  options: Object.fromEntries(
    [
      "source",
      "data",
      "delta-url",
      "cache",
      "symbol",
      "source-timeframe",
      "models",
      "weights",
      "rules-only",
      "timeframe",
      "strategy",
      "threshold",
      "walk-forward",
      "balance",
      "slippage",
      "spread",
      "cooldown",
      "daily-limit",
      "max-open",
      "config",
      "digits",
      "tick-size",
      "contract-size",
      "commission",
      "commission-rate",
      "min-lot",
      "lot-step",
      "leverage",
      "fill-rules",
      "exits-on-entry-bar",
      "entry-on-exit-bar",
      "from",
      "to",
      "out",
    ].map((k) => [k, { type: "string" as const }]),
  ),
});
const parsed = ArgsSchema.safeParse(values);
if (!parsed.success) {
  console.error(`bad arguments:\n${z.prettifyError(parsed.error)}`);
  process.exit(2);
}
const args = parsed.data;

/** A bad config or instrument: every zod issue, one per line, and exit code 2 (as bad arguments). */
function refuse(what: string, issues: string[]): never {
  console.error(`${what}:\n${issues.map((l) => `  ✖ ${l}`).join("\n")}`);
  process.exit(2);
}

let file: ConfigFile | null = null;
if (args.config) {
  let text: string;
  try {
    text = readFileSync(args.config, "utf8");
  } catch (err) {
    refuse(`bad config ${args.config}`, [(err as Error).message]);
  }
  const r = readConfigFile(text);
  if (!r.ok) refuse(`bad config ${args.config}`, r.issues);
  file = r.file;
  const fileSymbol = typeof file.bot["symbol"] === "string" ? file.bot["symbol"] : undefined;
  if (args.symbol && fileSymbol && args.symbol !== fileSymbol)
    refuse(`bad config ${args.config}`, [`symbol: the file says ${fileSymbol}, --symbol says ${args.symbol}`]);
}
const symbol = args.symbol ?? (file?.bot["symbol"] as string | undefined) ?? "";
if (!symbol) refuse(`bad config ${args.config}`, ["symbol: give one in the file or --symbol"]);

/** The model's timeframe from its metadata (written by exportOnnx / required of uploads). */
function modelTimeframe(file: string): Timeframe {
  const props = Object.fromEntries((decodeModel(readFileSync(file)).metadataProps ?? []).map((e) => [e.key, e.value]));
  const tf = TimeframeSchema.safeParse(props["timeframe"]);
  if (!tf.success) throw new Error(`${file}: no 'timeframe' in the model's metadata`);
  return tf.data;
}

let bars: Bar[];
let dataNote: string;
if (args.source === "delta") {
  const h = await deltaHistory({
    baseUrl: args["delta-url"],
    symbol,
    timeframe: args["source-timeframe"] ?? "30m",
    from: args.from!,
    to: args.to!,
    cacheDir: args.cache,
  });
  bars = h.bars;
  dataNote = `${h.file} (${h.cached ? "cached; no request" : `fetched from ${args["delta-url"]} in ${h.requests} requests`}; ${h.missing} candles missing in the range)`;
  console.log(`data: ${dataNote}`);
} else {
  const csv = parseBarsCsv(readFileSync(args.data!, "utf8"));
  if (csv.issues.length) console.warn(`${csv.issues.length} CSV rows dropped (first: ${csv.issues[0]!.message})`);
  bars = csv.bars;
  dataNote = args.data!;
}
// The bars' own timeframe: a daily CSV run without the flag must not be read as 30m bars.
const inferred = inferTimeframe(bars);
const flagged = args["source-timeframe"];
if (flagged && inferred && flagged !== inferred)
  console.warn(
    `warning: --source-timeframe ${flagged}, but the bars are ${inferred} apart (most common spacing); using ${flagged} as given`,
  );
const sourceTf: Timeframe = flagged ?? inferred ?? "30m";
if (!flagged && !inferred) console.warn("warning: cannot tell the bars' timeframe from their spacing; assuming 30m");
const overrides: InstrumentOverrides = {
  ...file?.instrument,
  ...(args.digits !== undefined ? { digits: args.digits } : {}),
  ...(args["tick-size"] !== undefined ? { tickSize: args["tick-size"] } : {}),
  ...(args["contract-size"] !== undefined ? { contractSize: args["contract-size"] } : {}),
  ...(args.commission !== undefined ? { commissionPerLotPerSide: args.commission } : {}),
  ...(args["commission-rate"] !== undefined ? { commissionRatePerSide: args["commission-rate"] } : {}),
  ...(args["min-lot"] !== undefined ? { minLot: args["min-lot"] } : {}),
  ...(args["lot-step"] !== undefined ? { lotStep: args["lot-step"] } : {}),
  ...(args.leverage !== undefined ? { leverage: args.leverage } : {}),
};
const spec = instrumentFor(symbol, overrides);
if (!spec.ok) refuse(`bad instrument for ${symbol}`, spec.issues);
const instrument = spec.spec;

let mode: BacktestMode;
let ensemble: { timeframe: Timeframe; weight: number }[];
let strategy = strategyPreset(args.strategy)!.strategy;
let release = async () => {};
if (args.models) {
  const files = list(args.models);
  const tfs = files.map(modelTimeframe);
  const weights = args.weights ? list(args.weights).map(Number) : tfs.map(() => 1 / tfs.length);
  if (weights.length !== tfs.length) throw new Error(`${weights.length} weights for ${tfs.length} models`);
  ensemble = tfs.map((timeframe, i) => ({ timeframe, weight: weights[i]! }));
  const predict = await ortPredictBatch(Object.fromEntries(tfs.map((tf, i) => [tf, files[i]!])));
  release = predict.release;
  mode = { kind: "models", predictBatch: predict };
} else {
  ensemble = [{ timeframe: args.timeframe ?? sourceTf, weight: 1 }];
  if (args["rules-only"]) strategy = strategyPreset(args["rules-only"])!.strategy;
  mode = { kind: "rules" };
}
// Flags that tune the gates win over the file (each is also a BotConfig field).
const gateFlags = {
  risk: { ...(args["max-open"] ? { maxOpenPositions: args["max-open"] } : {}) },
  execution: {
    ...(args.threshold !== undefined ? { confidenceThreshold: args.threshold } : {}),
    ...(args.cooldown !== undefined ? { cooldownMinutes: args.cooldown } : {}),
    ...(args["daily-limit"] !== undefined ? { dailyTradeLimit: args["daily-limit"] } : {}),
  },
};
let config: BotConfig;
if (file) {
  const bot = file.bot;
  // A section that isn't an object is left as written, for the schema to name.
  const section = (k: "risk" | "execution") => {
    const v = bot[k];
    const plain = v === undefined || (typeof v === "object" && v !== null && !Array.isArray(v));
    return plain && Object.keys(gateFlags[k]).length ? { ...(v as object | undefined), ...gateFlags[k] } : v;
  };
  // Models: the ensemble is theirs (timeframes from the ONNX metadata). Rules: the file's ensemble,
  // else one member on --timeframe or the data's own timeframe (the default 15m/1h/4h fits no daily CSV).
  const r = parseBotConfig(
    {
      ...file,
      bot: {
        ...bot,
        ...(mode.kind === "models" || bot["ensemble"] === undefined ? { ensemble: { models: ensemble } } : {}),
        ...(bot["risk"] !== undefined || Object.keys(gateFlags.risk).length ? { risk: section("risk") } : {}),
        ...(bot["execution"] !== undefined || Object.keys(gateFlags.execution).length
          ? { execution: section("execution") }
          : {}),
      },
    },
    { symbol },
  );
  if (!r.ok) refuse(`bad config ${args.config}`, r.issues);
  config = r.config;
  if (mode.kind === "rules" && !config.strategy.buy && !config.strategy.sell)
    console.warn("warning: the config's strategy has no buy or sell rule group: no trade will open");
} else {
  config = BotConfigSchema.parse({ symbol, ensemble: { models: ensemble }, strategy, ...gateFlags });
}

const fills: FillRules = {
  ...(args["fill-rules"] === "grademark" ? GRADEMARK_FILLS : LIVE_FILLS),
  ...(args["exits-on-entry-bar"] ? { exitsOnEntryBar: args["exits-on-entry-bar"] === "on" } : {}),
  ...(args["entry-on-exit-bar"] ? { entryOnExitBar: args["entry-on-exit-bar"] === "on" } : {}),
};
if (!fills.exitsOnEntryBar && config.risk.maxOpenPositions > 1)
  refuse("bad fill rules", ["--exits-on-entry-bar off needs risk.maxOpenPositions 1"]);

const t0 = performance.now();
let prep: Awaited<ReturnType<typeof prepareBacktest>>;
try {
  prep = await prepareBacktest({ config, baseTimeframe: sourceTf, bars, mode, instrument });
} catch (err) {
  if (!(err instanceof RangeError)) throw err;
  refuse(`can't backtest ${args.config ?? "this bot"} on ${sourceTf} bars`, [err.message]);
}
const t1 = performance.now();
const { report } = buildReport(prep, {
  initialBalance: args.balance,
  slippagePoints: args.slippage,
  fills,
  ...(args.spread !== undefined ? { spreadPoints: args.spread } : {}),
  ...(args.from !== undefined ? { from: args.from } : {}),
  ...(args.to !== undefined ? { to: args.to } : {}),
  ...(args["walk-forward"] ? { walkForward: args["walk-forward"] } : {}),
  notes: [
    `data: ${dataNote} (${bars.length} ${sourceTf} bars${flagged ? "" : ", timeframe inferred from the data"})`,
    mode.kind === "models"
      ? `models: ${list(args.models).join(", ")}; weights ${ensemble.map((m) => `${m.timeframe}=${m.weight}`).join(", ")}`
      : `rules only: ${args["rules-only"] ?? `the rules of ${args.config}`} on ${prep.decisionTf}`,
    `fill rules: exits on the entry bar ${fills.exitsOnEntryBar ? "on" : "off"}, entry on an exit bar ${fills.entryOnExitBar ? "on" : "off"}`,
    `instrument: ${instrument.symbol} digits ${instrument.digits}, tick ${instrument.tickSize}, contract ${instrument.contractSize}, lots ${instrument.minLot}/${instrument.lotStep}, leverage ${instrument.leverage}, commission ${instrument.commissionPerLotPerSide}/lot/side + ${instrument.commissionRatePerSide} of notional${Object.keys(overrides).length ? ` (overridden: ${Object.keys(overrides).join(", ")})` : ""}`,
    ...(args["walk-forward"] && mode.kind === "models"
      ? ["walk-forward windows use the models as given (no retraining per window)"]
      : []),
  ],
});
const t2 = performance.now();
await release();
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(args.out, JSON.stringify(report, null, 1));
print(report);
console.log(
  `\nprepare (features + batched inference) ${(t1 - t0).toFixed(0)} ms, simulate + report ${(t2 - t1).toFixed(0)} ms; JSON: ${args.out}`,
);

function print(r: BacktestReport): void {
  const pct = (x: number | null) => (x === null ? "n/a" : `${(x * 100).toFixed(2)}%`);
  const num = (x: number | null, d = 2) => (x === null ? "n/a" : x.toFixed(d));
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const line = (w: BacktestWindow) => {
    const m = w.metrics;
    return `${day(w.start)}..${day(w.end)}  return ${pct(m.totalReturn).padStart(8)}  CAGR ${pct(m.cagr).padStart(8)}  Sharpe ${num(m.sharpe).padStart(6)}  Sortino ${num(m.sortino).padStart(6)}  maxDD ${pct(m.maxDrawdown).padStart(7)}  trades ${String(m.trades).padStart(5)}  win ${pct(m.winRate).padStart(7)}  PF ${num(m.profitFactor).padStart(5)}  exp ${num(m.expectancy).padStart(7)}  exposure ${pct(m.exposure).padStart(7)}  B&H ${pct(m.buyAndHold.totalReturn).padStart(8)}`;
  };
  console.log(
    `\n${r.symbol} backtest (${r.mode}), decisions on ${r.decisionTimeframe}, exits on ${r.baseTimeframe} bars, ${r.initialBalance} ${r.currency}, spread ${r.costs.spreadPoints} pts, slippage ${r.costs.slippagePoints} pts, commission ${r.costs.commissionPerLotPerSide}/lot/side`,
  );
  console.log(line(r.summary));
  const s = r.summary;
  console.log(
    `final equity ${s.metrics.finalEquity}; ${s.metrics.beatsBuyAndHold ? "beats" : "LOSES TO"} buy-and-hold by ${pct(s.metrics.excessReturn)}; decision bars ${s.decisionBars}, gated ${JSON.stringify(s.gated)}, rejected orders ${s.rejected}`,
  );
  if (r.windows.length) {
    console.log(`\nwalk-forward (${r.windows.length} windows, fresh account each, models as given):`);
    for (const w of r.windows) console.log(line(w));
  }
}
