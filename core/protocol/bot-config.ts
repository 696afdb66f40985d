import { z } from "zod";
import { TimeframeSchema } from "../market/timeframes";
import { StrategySchema } from "../strategy/schema";

/** Sum of ensemble weights must be 1 within this (weights are typed by people, e.g. 0.3/0.25/0.45). */
export const WEIGHT_SUM_TOLERANCE = 1e-6;
export const MAX_ENSEMBLE_MODELS = 6;

/** Broker symbols: letters, digits and the suffix characters brokers use (EURUSD.m, BTC-USD, US500#). */
export const SymbolSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._#-]{0,31}$/, "symbol: 1-32 letters, digits or . _ # -");

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
          ctx.addIssue({
            code: "custom",
            message: `model weights must sum to 1, got ${Number(sum.toFixed(9))} (${models.map((m) => `${m.timeframe}=${m.weight}`).join(" + ")})`,
          });
        }
        const seen = new Set<string>();
        models.forEach((m, i) => {
          if (seen.has(m.timeframe))
            ctx.addIssue({
              code: "custom",
              path: [i, "timeframe"],
              message: `timeframe ${m.timeframe} appears twice; one model per timeframe`,
            });
          seen.add(m.timeframe);
        });
      })
      .default(() => DEFAULT_ENSEMBLE.map((m) => ({ ...m }))),
  })
  .strict();

/**
 * SL and TP distances. Each may be null: no stop loss, or no take profit (exits then come from
 * signals, trailing, time or the end of data). `{ mode: "none" }`: neither. For ATR a missing key
 * takes its default (1.5 / 3); for pips a missing key means none.
 */
export const StopsSchema = z.discriminatedUnion("mode", [
  z
    .object({
      mode: z.literal("atr"),
      slAtrMult: z.number().positive().max(50).nullable().default(1.5),
      tpAtrMult: z.number().positive().max(100).nullable().default(3),
    })
    .strict(),
  z
    .object({
      mode: z.literal("pips"),
      sl: z.number().positive().max(10_000).nullable().default(null),
      tp: z.number().positive().max(20_000).nullable().default(null),
    })
    .strict(),
  z.object({ mode: z.literal("none") }).strict(),
]);

/** The stop and take-profit distances a config asks for (null = none), in its own unit (ATR multiples or pips). */
export function stopDistances(stops: z.infer<typeof StopsSchema>): { sl: number | null; tp: number | null } {
  if (stops.mode === "none") return { sl: null, tp: null };
  return stops.mode === "atr" ? { sl: stops.slAtrMult, tp: stops.tpAtrMult } : { sl: stops.sl, tp: stops.tp };
}

export const SizingSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("fixed"), lots: z.number().positive().max(100).default(0.1) }).strict(),
  z
    .object({
      mode: z.literal("risk_pct"),
      pct: z.number().gt(0, "pct must be > 0").lte(5, "pct must be <= 5 (% of balance risked per trade)").default(1),
    })
    .strict(),
]);

export const RiskSchema = z
  .object({
    stops: StopsSchema.prefault({ mode: "atr" }),
    /** The take-profit distance must be at least this multiple of the stop distance (only when both exist). */
    minRiskReward: z.number().positive().max(20).default(1.5),
    sizing: SizingSchema.prefault({ mode: "fixed" }),
    maxOpenPositions: z.number().int().min(1).max(20).default(1),
    /**
     * decision: SL/TP at the planned distances from the decision bar's close (the plan's entry), as
     * sent; fill: the same distances from the actual fill price (the paper engine moves them).
     */
    stopsFrom: z.enum(["decision", "fill"]).default("decision"),
  })
  .strict()
  .superRefine((r, ctx) => {
    const d = stopDistances(r.stops);
    // Risk-percent sizing divides the risk budget by the loss at the stop: without a stop there is none.
    if (r.sizing.mode === "risk_pct" && d.sl === null) {
      ctx.addIssue({
        code: "custom",
        path: ["sizing"],
        message: "risk_pct sizing needs a stop loss (it sizes by the loss at the stop); set stops or use fixed lots",
      });
    }
    // A config whose own stops break its minimum risk:reward could never trade: say so up front.
    if (d.sl === null || d.tp === null) return;
    const rr = d.tp / d.sl;
    if (rr + 1e-9 < r.minRiskReward) {
      ctx.addIssue({
        code: "custom",
        path: ["stops"],
        message: `stops give risk:reward ${Number(rr.toFixed(4))}, below minRiskReward ${r.minRiskReward}`,
      });
    }
  });

export const ExecutionSchema = z
  .object({
    target: z.enum(["paper", "connector"]).default("paper"),
    // With three classes the top probability is always >= 1/3, so a threshold at or below it would
    // gate nothing. Above it, the user decides how sure a model must be (0.70 by default).
    confidenceThreshold: z
      .number()
      .gt(1 / 3, "confidenceThreshold must be above 1/3 (three classes)")
      .max(1)
      .default(0.7),
    cooldownMinutes: z.number().int().min(0).max(10_080).default(30),
    dailyTradeLimit: z.number().int().min(1).max(1000).default(5),
    cadenceMinutes: z.number().int().min(1).max(1440).default(15),
    /** Which entries the bot takes: a SELL signal opens a short unless the bot is long-only. */
    direction: z.enum(["both", "long_only", "short_only"]).default("both"),
    /**
     * hedging: every entry is its own position (opposite positions may coexist); netting: one
     * position per symbol, an opposite signal closes it (and with exits.reverse opens the other side).
     */
    positionMode: z.enum(["hedging", "netting"]).default("hedging"),
  })
  .strict();

/** Distances in points (10^-digits, as the paper engine and MT5 count them). */
export const TrailingExitSchema = z
  .object({
    distancePoints: z.number().int().positive().max(1_000_000),
    /** Start trailing once the position is this many points in profit; null: at once. */
    activationPoints: z.number().int().nonnegative().max(1_000_000).nullable().default(null),
  })
  .strict();
export const BreakevenExitSchema = z
  .object({
    triggerPoints: z.number().int().positive().max(1_000_000),
    lockPoints: z.number().int().nonnegative().max(1_000_000).default(0),
  })
  .strict()
  .refine((b) => b.lockPoints < b.triggerPoints, {
    message: "lockPoints must be below triggerPoints",
    path: ["lockPoints"],
  });

/** Bot-level exits, evaluated on the bot's open positions every cycle; no entry gate ever blocks them. */
export const ExitsSchema = z
  .object({
    /** Close a position when the opposite entry signal comes (ML direction above threshold, or the other side's rules). */
    onOppositeSignal: z.boolean().default(false),
    /** After an opposite-signal close (or a netting close), open the new side in the same cycle. */
    reverse: z.boolean().default(false),
    trailing: TrailingExitSchema.nullable().default(null),
    breakeven: BreakevenExitSchema.nullable().default(null),
    /** Time exit: close a position held at least this long (checked each cycle). */
    maxHoldMinutes: z.number().int().positive().max(525_600).nullable().default(null),
  })
  .strict();

/**
 * Account protections in the spirit of Freqtrade's (StoplossGuard, MaxDrawdown): they pause NEW
 * entries of the bot until a lock ends; exits always run. Computed from the bot's closed trades.
 */
export const ProtectionsSchema = z
  .object({
    /** `tradeLimit` losing stop exits (sl/trailing/breakeven) within `lookbackMinutes` pause entries for `pauseMinutes` after the last. */
    stoplossGuard: z
      .object({
        tradeLimit: z.number().int().min(1).max(100),
        lookbackMinutes: z.number().int().positive().max(525_600),
        pauseMinutes: z.number().int().positive().max(525_600),
      })
      .strict()
      .nullable()
      .default(null),
    /** Realized drawdown of the bot's trades closed within `lookbackMinutes` at or above `maxDrawdownPct` % of the balance (with at least `tradeLimit` trades) pauses entries for `pauseMinutes`. */
    maxDrawdown: z
      .object({
        maxDrawdownPct: z.number().gt(0).max(100),
        lookbackMinutes: z.number().int().positive().max(525_600),
        tradeLimit: z.number().int().min(1).max(1000).default(1),
        pauseMinutes: z.number().int().positive().max(525_600),
      })
      .strict()
      .nullable()
      .default(null),
    /** The bot's realized loss on one UTC day reaching `amount` (account currency) pauses entries until the next UTC day. */
    dailyLossLimit: z
      .object({ amount: z.number().positive().max(1e9) })
      .strict()
      .nullable()
      .default(null),
  })
  .strict();

const BotConfigObject = z
  .object({
    symbol: SymbolSchema,
    ensemble: EnsembleSchema.prefault({}),
    strategy: StrategySchema.prefault({}),
    risk: RiskSchema.prefault({}),
    execution: ExecutionSchema.prefault({}),
    exits: ExitsSchema.prefault({}),
    protections: ProtectionsSchema.prefault({}),
  })
  .strict();

/** Checks across sections: combinations that could never do what they say are refused with the reason. */
function crossChecks(
  c: Pick<z.infer<typeof BotConfigObject>, "exits" | "execution" | "risk">,
  ctx: z.RefinementCtx,
): void {
  if (c.execution.target === "connector" && c.risk.stopsFrom === "fill") {
    ctx.addIssue({
      code: "custom",
      path: ["risk", "stopsFrom"],
      message:
        "stops relative to the fill are placed by the paper engine only for now; an MT5 (connector) order carries the planned levels: use stopsFrom decision or the paper target",
    });
  }
  if (c.exits.reverse && !c.exits.onOppositeSignal && c.execution.positionMode === "hedging") {
    ctx.addIssue({
      code: "custom",
      path: ["exits", "reverse"],
      message:
        "reverse needs exits.onOppositeSignal (or execution.positionMode netting): nothing closes on the opposite signal to reverse from",
    });
  }
  // The paper engine manages trailing/breakeven; nothing moves an MT5 position's stop for the bot yet.
  if (c.execution.target === "connector" && (c.exits.trailing !== null || c.exits.breakeven !== null)) {
    ctx.addIssue({
      code: "custom",
      path: ["exits", c.exits.trailing !== null ? "trailing" : "breakeven"],
      message:
        "bot-level trailing stop and breakeven are managed on paper accounts only for now; an MT5 (connector) bot would place no trailing: remove them or use the paper target",
    });
  }
}

/** Everything a bot decides with. Every field has a default except the symbol. */
export const BotConfigSchema = BotConfigObject.superRefine(crossChecks);

/** The config without the symbol (create requests carry the symbol beside it). */
export const BotConfigBodySchema = BotConfigObject.omit({ symbol: true }).superRefine(crossChecks);

export type BotConfig = z.infer<typeof BotConfigSchema>;
export type BotConfigInput = z.input<typeof BotConfigSchema>;
export type EnsembleModel = z.infer<typeof EnsembleModelSchema>;
export type Exits = z.infer<typeof ExitsSchema>;
export type Protections = z.infer<typeof ProtectionsSchema>;

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

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
