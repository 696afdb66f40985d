import { z } from "zod";
import { TIMEFRAMES } from "../market/timeframes";
import { SymbolSchema } from "./bot-config";
import type { Prediction } from "./prediction";

/** "multi" = the whole ensemble; a timeframe = that model's own view (must be one of the bot's). */
export const PredictTimeframeSchema = z.enum(["multi", ...TIMEFRAMES], {
  error: (iss) =>
    `timeframe must be "multi" or one of ${TIMEFRAMES.join(", ")}${iss.input === undefined ? "" : `, got ${JSON.stringify(iss.input)}`}`,
});
export type PredictTimeframe = z.infer<typeof PredictTimeframeSchema>;

/** Query strings carry booleans as text: only these spellings are accepted, anything else is a 400. */
const QueryBoolSchema = z
  .enum(["true", "false", "1", "0"], { error: 'expected "true", "false", "1" or "0"' })
  .transform((s) => s === "true" || s === "1");

/** GET /api/v1/predict: the caller's active bot for `symbol`, or the bot `bot_id`. */
export const PredictQuerySchema = z
  .object({
    symbol: SymbolSchema.optional(),
    timeframe: PredictTimeframeSchema.default("multi"),
    force_refresh: QueryBoolSchema.default(false),
    bot_id: z.string().min(1).max(64).optional(),
  })
  .refine((q) => q.symbol !== undefined || q.bot_id !== undefined, {
    message: "give a symbol (uses your active bot for it) or a bot_id",
    path: ["symbol"],
  });
export type PredictQuery = z.infer<typeof PredictQuerySchema>;

/** POST /api/v1/ml/models/{id}/predict body (all optional). */
export const ModelPredictBodySchema = z
  .object({
    timeframe: PredictTimeframeSchema.default("multi"),
    force_refresh: z.boolean().default(false),
  })
  .strict();
export type ModelPredictBody = z.infer<typeof ModelPredictBodySchema>;

/** What the Worker asks the user's object for (RPC); the object resolves the bot itself, scoped by user. */
export const PredictRequestSchema = z.object({
  botId: z.string().optional(),
  symbol: z.string().optional(),
  timeframe: PredictTimeframeSchema,
  forceRefresh: z.boolean(),
});
export type PredictRequest = z.infer<typeof PredictRequestSchema>;

/**
 * Why there is no prediction: bad request, no such bot, data that can't serve the bot's
 * symbol/timeframes, a skip (stale/missing market data), or the market is closed (its hours).
 */
export type PredictFailureCode = "not_found" | "bad_request" | "unsupported" | "skipped" | "market_closed";

/**
 * The answer of the predict endpoints outside the market's hours (HTTP 200: a state, not an
 * error; clients tell it from a prediction by `status`). Times are market time (the replay's
 * clock for a replayed symbol), epoch ms.
 */
export const MarketClosedSchema = z.object({
  status: z.literal("market_closed"),
  bot_id: z.string(),
  symbol: z.string(),
  market_time: z.number(),
  opens_at: z.number().nullable(),
  /** The hours the market keeps (their source). */
  hours: z.string(),
  message: z.string(),
});
export type MarketClosed = z.infer<typeof MarketClosedSchema>;
export type PredictOutcome =
  | { ok: true; prediction: Prediction }
  | { ok: false; code: PredictFailureCode; message: string; details?: Record<string, string>; closed?: MarketClosed };
