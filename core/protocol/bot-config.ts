import { z } from "zod";
import { TimeframeSchema } from "../market/timeframes";
import { StrategySchema } from "../strategy/schema";

/** Sum of ensemble weights must be 1 within this (weights are typed by people, e.g. 0.3/0.25/0.45). */
export const WEIGHT_SUM_TOLERANCE = 1e-6;
export const MAX_ENSEMBLE_MODELS = 6;

/** Broker symbols: letters, digits and the suffix characters brokers use (EURUSD.m, BTC-USD, US500#). */
export const SymbolSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._#-]{0,31}$/, "symbol: 1-32 letters, digits or . _ # -");

export const EnsembleModelSchema = z
  .object({
    timeframe: TimeframeSchema,
    weight: z.number().gt(0, "weight must be > 0").lte(1, "weight must be <= 1"),
  })
  .strict();

/** The seeds' ensemble, one model per timeframe: 15m 0.30, 1h 0.25, 4h 0.45 (their three 4h models merged). */
export const DEFAULT_ENSEMBLE = [
  { timeframe: "15m", weight: 0.3 },
  { timeframe: "1h", weight: 0.25 },
  { timeframe: "4h", weight: 0.45 },
] as const;

export const EnsembleSchema = z
  .object({
    models: z
      .array(EnsembleModelSchema)
      .min(1, "the ensemble needs at least 1 model")
      .max(MAX_ENSEMBLE_MODELS, `the ensemble holds at most ${MAX_ENSEMBLE_MODELS} models`)
      .superRefine((models, ctx) => {
        const sum = models.reduce((s, m) => s + m.weight, 0);
        if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) {
          ctx.addIssue({ code: "custom", message: `model weights must sum to 1, got ${Number(sum.toFixed(9))} (${models.map((m) => `${m.timeframe}=${m.weight}`).join(" + ")})` });
        }
        const seen = new Set<string>();
        models.forEach((m, i) => {
          if (seen.has(m.timeframe)) ctx.addIssue({ code: "custom", path: [i, "timeframe"], message: `timeframe ${m.timeframe} appears twice; one model per timeframe` });
          seen.add(m.timeframe);
        });
      })
      .default(() => DEFAULT_ENSEMBLE.map((m) => ({ ...m }))),
  })
  .strict();

export const StopsSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("atr"), slAtrMult: z.number().positive().max(50).default(1.5), tpAtrMult: z.number().positive().max(100).default(3) }).strict(),
  z.object({ mode: z.literal("pips"), sl: z.number().positive().max(10_000), tp: z.number().positive().max(20_000) }).strict(),
]);

export const SizingSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("fixed"), lots: z.number().positive().max(100).default(0.1) }).strict(),
  z.object({ mode: z.literal("risk_pct"), pct: z.number().gt(0, "pct must be > 0").lte(5, "pct must be <= 5 (% of balance risked per trade)").default(1) }).strict(),
]);

export const RiskSchema = z
  .object({
    stops: StopsSchema.prefault({ mode: "atr" }),
    /** The take-profit distance must be at least this multiple of the stop distance. */
    minRiskReward: z.number().positive().max(20).default(1.5),
    sizing: SizingSchema.prefault({ mode: "fixed" }),
    maxOpenPositions: z.number().int().min(1).max(20).default(1),
  })
  .strict()
  .superRefine((r, ctx) => {
    // A config whose own stops break its minimum risk:reward could never trade: say so up front.
    const rr = r.stops.mode === "atr" ? r.stops.tpAtrMult / r.stops.slAtrMult : r.stops.tp / r.stops.sl;
    if (rr + 1e-9 < r.minRiskReward) {
      ctx.addIssue({ code: "custom", path: ["stops"], message: `stops give risk:reward ${Number(rr.toFixed(4))}, below minRiskReward ${r.minRiskReward}` });
    }
  });

export const ExecutionSchema = z
  .object({
    target: z.enum(["paper", "connector"]).default("paper"),
    // With three classes the top probability is always >= 1/3, so a threshold at or below it would
    // gate nothing. Above it, the user decides how sure a model must be (0.70 by default).
    confidenceThreshold: z.number().gt(1 / 3, "confidenceThreshold must be above 1/3 (three classes)").max(1).default(0.7),
    cooldownMinutes: z.number().int().min(0).max(10_080).default(30),
    dailyTradeLimit: z.number().int().min(1).max(1000).default(5),
    cadenceMinutes: z.number().int().min(1).max(1440).default(15),
  })
  .strict();

/** Everything a bot decides with. Every field has a default except the symbol. */
export const BotConfigSchema = z
  .object({
    symbol: SymbolSchema,
    ensemble: EnsembleSchema.prefault({}),
    strategy: StrategySchema.prefault({}),
    risk: RiskSchema.prefault({}),
    execution: ExecutionSchema.prefault({}),
  })
  .strict();

/** The config without the symbol (create requests carry the symbol beside it). */
export const BotConfigBodySchema = BotConfigSchema.omit({ symbol: true });

export type BotConfig = z.infer<typeof BotConfigSchema>;
export type BotConfigInput = z.input<typeof BotConfigSchema>;
export type EnsembleModel = z.infer<typeof EnsembleModelSchema>;

const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * PATCH semantics for a config: objects merge key by key, everything else (numbers, strings,
 * arrays, null) replaces. An object that names a variant (`mode` in stops/sizing) or a rule group
 * (`all`/`any`) replaces the stored one whole, so switching variants never leaves stale keys.
 * The result must still be validated as a whole.
 */
export function mergeConfigPatch(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch) || !isPlainObject(base)) return patch;
  if ("mode" in patch || "all" in patch || "any" in patch || "indicator" in patch) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    out[k] = mergeConfigPatch(base[k], v);
  }
  return out;
}
