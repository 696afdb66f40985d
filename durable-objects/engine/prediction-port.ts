import type { BotConfig } from "../../core/protocol/bot-config";
import type { Prediction } from "../../core/protocol/prediction";

/** What a cycle knows about a bot (read from D1 `bots`, config validated by BotConfigSchema). */
export interface BotRef {
  id: string;
  userId: string;
  name: string;
  symbol: string;
  target: "paper" | "connector";
  config: BotConfig;
}

/** The BotRef of a stored bot row (its config already parsed). */
export function botRef(row: Pick<BotRef, "id" | "userId" | "name" | "symbol" | "target">, config: BotConfig): BotRef {
  return { id: row.id, userId: row.userId, name: row.name, symbol: row.symbol, target: row.target, config };
}

/** A prediction, or why there is none (stale data, warming up, no models, ...). */
export type PredictOutcome = { ok: true; prediction: Prediction } | { ok: false; reason: string; message: string };

export type Predictor = (bot: BotRef, opts: { force: boolean }) => Promise<PredictOutcome>;

/**
 * The one seam between the engine and the decision code (core/decision + the object's
 * PredictionService, another helper's work). Until that lands the engine reports a clear skip.
 * Integration: return `service.predict(bot, { timeframe: "multi", force })` mapped to PredictOutcome.
 */
export const predictionUnavailable: Predictor = async () => ({
  ok: false,
  reason: "no_prediction_service",
  message: "the prediction service is not available in this build",
});
