import type { Prediction } from "../../core/protocol/prediction";
import type { BotRef } from "../../platform/bots/bot-ref";

export { type BotRef, botRef } from "../../platform/bots/bot-ref";

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
