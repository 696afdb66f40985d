// The order a bot's plan becomes, shared by the live cycle, manual Execute and the backtester, so
// the bot-level trailing stop and breakeven travel with every entry the same way everywhere.
import type { BotConfig } from "../protocol/bot-config";
import type { OrderIntentInput } from "../protocol/orders";
import type { TradePlan } from "../protocol/prediction";

export function botOrderIntent(
  config: Pick<BotConfig, "exits"> & { risk?: Pick<BotConfig["risk"], "stopsFrom"> },
  symbol: string,
  plan: Pick<TradePlan, "side" | "volume" | "stopLoss" | "takeProfit" | "entry">,
  clientOrderId: string,
): OrderIntentInput {
  const { trailing, breakeven } = config.exits;
  return {
    side: plan.side,
    symbol,
    volume: plan.volume,
    sl: plan.stopLoss,
    tp: plan.takeProfit,
    client_order_id: clientOrderId,
    // Stops relative to the fill: the plan's distances were measured from its entry.
    ...(config.risk?.stopsFrom === "fill" && (plan.stopLoss !== null || plan.takeProfit !== null)
      ? { stops_anchor: plan.entry }
      : {}),
    ...(trailing
      ? {
          trailing_stop: {
            distance_points: trailing.distancePoints,
            ...(trailing.activationPoints !== null ? { activation_points: trailing.activationPoints } : {}),
          },
        }
      : {}),
    ...(breakeven ? { breakeven: { trigger_points: breakeven.triggerPoints, lock_points: breakeven.lockPoints } } : {}),
  };
}
