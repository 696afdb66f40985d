import { z } from "zod";
import { EnsembleResultSchema } from "../ensemble/result";
import { CLASSES } from "../onnx/classes";
import { StrategyVerdictSchema } from "../strategy/verdict";

/**
 * One decision of a bot at one closed bar: the ensemble's view, the strategy check and the trade
 * plan. The same shape comes from GET /predict, POST ml/models/{id}/predict, the auto-trading
 * cycle and the backtester (which all run core/decision).
 */
export const TradePlanSchema = z.object({
  side: z.enum(["BUY", "SELL"]),
  entry: z.number().describe("expected fill price (next bar open in backtests; current price live)"),
  stopLoss: z.number().nullable().describe("null: the bot places no stop loss"),
  takeProfit: z.number().nullable().describe("null: the bot places no take profit"),
  riskReward: z.number().nullable().describe("null unless both levels exist"),
  volume: z.number().describe("lots after sizing and lot-step rounding"),
  atr: z.number().nullable(),
});

export const PredictionSchema = z.object({
  botId: z.string(),
  symbol: z.string(),
  /** The decision timeframe: "multi" for the ensemble, or one model's timeframe. */
  timeframe: z.string(),
  /** Close time (epoch ms) of the newest bar the decision used: the cache and idempotency key. */
  barTime: z.number().int(),
  ensemble: EnsembleResultSchema,
  strategy: StrategyVerdictSchema,
  /** HOLD when the strategy blocks the ensemble's direction, or the ensemble says HOLD. */
  direction: z.enum(CLASSES),
  confidence: z.number(),
  threshold: z.number(),
  /** Present when direction is BUY/SELL and confidence >= threshold and a valid plan exists. */
  plan: TradePlanSchema.nullable(),
  /** Why there is no plan (blocked by strategy, below threshold, HOLD, size below min lot, ...). */
  reason: z.string(),
  /**
   * The exit rule groups (strategy.exit_long / exit_short) on the decision bar: passed, and the
   * rule text or why not. null for a side without a group; absent when the bar could not be checked.
   */
  exits: z
    .object({
      long: z.object({ passed: z.boolean(), reason: z.string() }).nullable(),
      short: z.object({ passed: z.boolean(), reason: z.string() }).nullable(),
    })
    .optional(),
  featureSchemaHash: z.string(),
  generatedAt: z.number().int(),
  cached: z.boolean(),
});

export type TradePlan = z.infer<typeof TradePlanSchema>;
export type Prediction = z.infer<typeof PredictionSchema>;
