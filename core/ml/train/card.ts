import { z } from "zod";

/** The model card written next to each shipped .onnx (models/trained/<symbol>_<tf>.card.json). */
export const ScoresSchema = z.object({
  n: z.number().int(),
  accuracy: z.number(),
  macroF1: z.number(),
  logLoss: z.number(),
  trades: z.number().int(),
  hitRate: z.number(),
  avgTradeReturn: z.number(),
});

export const FoldReportSchema = z.object({
  fold: z.number().int(),
  trainRows: z.number().int(),
  testRows: z.number().int(),
  testFrom: z.string(),
  testTo: z.string(),
  alwaysHold: ScoresSchema,
  majorityClass: ScoresSchema,
  logistic: ScoresSchema,
  gbt: ScoresSchema,
  gbtRounds: z.number().int(),
});

export const ModelCardSchema = z.object({
  format: z.literal("edgetrader-model-card/1"),
  symbol: z.string(),
  timeframe: z.string(),
  onnxFile: z.string(),
  onnxSha256: z.string(),
  featureSchema: z.object({ name: z.string(), version: z.number().int(), hash: z.string(), count: z.number().int() }),
  classes: z.array(z.string()),
  input: z.object({
    name: z.string(),
    shape: z.tuple([z.literal("N"), z.number().int()]),
    dtype: z.literal("float32"),
  }),
  output: z.object({ name: z.string(), shape: z.tuple([z.literal("N"), z.literal(3)]), dtype: z.literal("float32") }),
  trainer: z.object({
    family: z.enum(["gbt", "logistic"]),
    params: z.record(z.string(), z.number()),
    chosenBecause: z.string(),
  }),
  labels: z.object({
    method: z.literal("triple-barrier"),
    horizonBars: z.number().int(),
    atrMult: z.number(),
    classShare: z.array(z.number()),
  }),
  data: z.object({
    source: z.string(),
    sourceTimeframe: z.string(),
    barsUsed: z.number().int(),
    firstBar: z.string(),
    lastBar: z.string(),
    warmupBars: z.number().int(),
    labeledRows: z.number().int(),
  }),
  walkForward: z.object({
    folds: z.array(FoldReportSchema),
    pooled: z.object({
      alwaysHold: ScoresSchema,
      majorityClass: ScoresSchema,
      logistic: ScoresSchema,
      gbt: ScoresSchema,
    }),
    purgeBars: z.number().int(),
    /** Share of out-of-sample rows whose shipped-family top probability reaches each threshold. */
    confidenceShare: z.record(z.string(), z.number()),
  }),
  finalModel: z.object({ trainRows: z.number().int(), rounds: z.number().int().optional() }),
  trainingMs: z.number(),
  createdAt: z.string(),
  verdict: z.string(),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;
export type FoldReport = z.infer<typeof FoldReportSchema>;
