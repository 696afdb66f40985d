// Trains one model from a bars CSV and writes models/trained/<symbol>_<tf>.onnx + .card.json.
// npm run train -- --symbol USDCHF --timeframe 4h --data models/data/usdchf_30m.csv [--source-timeframe 30m]
//   [--horizon 6] [--atr-mult 1.5] [--folds 5] [--out models/trained] [--source "<where the data is from>"]
//   [--skip-rows N] (leading CSV rows to leave out: the BTC file's first candle is a known bad print, models/data/SOURCE.md)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { parseBarsCsv } from "../../core/market/csv";
import { resample } from "../../core/market/resample";
import { TimeframeSchema } from "../../core/market/timeframes";
import { ModelCardSchema } from "../../core/ml/train/card";
import { DEFAULT_TRAIN, trainModel } from "../../core/ml/train/pipeline";

const ArgsSchema = z.object({
  symbol: z.string().regex(/^[A-Z0-9._-]{2,20}$/),
  timeframe: TimeframeSchema,
  data: z.string().min(1),
  "source-timeframe": TimeframeSchema.default("30m"),
  horizon: z.coerce.number().int().min(1).max(100).default(DEFAULT_TRAIN.horizon),
  "atr-mult": z.coerce.number().positive().default(DEFAULT_TRAIN.atrMult),
  folds: z.coerce.number().int().min(1).max(20).default(DEFAULT_TRAIN.folds),
  out: z.string().default("models/trained"),
  source: z.string().optional(),
  "skip-rows": z.coerce.number().int().min(0).default(0),
});

const { values } = parseArgs({
  options: {
    symbol: { type: "string" },
    timeframe: { type: "string" },
    data: { type: "string" },
    "source-timeframe": { type: "string" },
    horizon: { type: "string" },
    "atr-mult": { type: "string" },
    folds: { type: "string" },
    out: { type: "string" },
    source: { type: "string" },
    "skip-rows": { type: "string" },
  },
});
const parsed = ArgsSchema.safeParse(values);
if (!parsed.success) {
  console.error(`bad arguments:\n${z.prettifyError(parsed.error)}`);
  process.exit(2);
}
const args = parsed.data;

const csv = parseBarsCsv(readFileSync(args.data, "utf8"));
if (csv.issues.length) console.warn(`${csv.issues.length} CSV rows dropped (first: ${csv.issues[0]!.message})`);
const rows = csv.bars.slice(args["skip-rows"]);
const bars =
  args.timeframe === args["source-timeframe"] ? rows : resample(rows, args["source-timeframe"], args.timeframe).bars;
console.log(
  `${args.symbol} ${args.timeframe}: ${bars.length} bars from ${rows.length} ${args["source-timeframe"]} rows of ${args.data}`,
);

const source =
  args.source ??
  `${basename(args.data)} (see models/data/SOURCE.md)${args["skip-rows"] ? ` less its first ${args["skip-rows"]} rows` : ""}, ${args["source-timeframe"]} rows resampled to ${args.timeframe} by core/market/resample.ts`;
const { onnx, card } = trainModel(bars, {
  ...DEFAULT_TRAIN,
  symbol: args.symbol,
  timeframe: args.timeframe,
  source,
  sourceTimeframe: args["source-timeframe"],
  horizon: args.horizon,
  atrMult: args["atr-mult"],
  folds: args.folds,
  onProgress: (m) => console.log(m),
});
const stem = `${args.symbol.toLowerCase()}_${args.timeframe}`;
card.onnxFile = `${stem}.onnx`;
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, `${stem}.onnx`), onnx);
writeFileSync(join(args.out, `${stem}.card.json`), JSON.stringify(ModelCardSchema.parse(card), null, 2) + "\n");
const p = card.walkForward.pooled;
const row = (name: string, s: typeof p.gbt) =>
  `${name.padEnd(12)} acc ${(s.accuracy * 100).toFixed(1)}%  macroF1 ${s.macroF1.toFixed(3)}  logloss ${s.logLoss.toFixed(4)}  trades ${s.trades}  hit ${(s.hitRate * 100).toFixed(1)}%  avg ${(s.avgTradeReturn * 1e4).toFixed(2)} bp`;
console.log(
  [
    "walk-forward, pooled out of sample:",
    row("always-HOLD", p.alwaysHold),
    row("majority", p.majorityClass),
    row("logistic", p.logistic),
    row("gbt", p.gbt),
  ].join("\n"),
);
console.log(`shipped: ${card.trainer.family} (${card.trainer.chosenBecause})`);
console.log(card.verdict);
console.log(`wrote ${join(args.out, stem)}.onnx (${onnx.length} bytes) + .card.json in ${card.trainingMs} ms`);
