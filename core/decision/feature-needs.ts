// Lazy features: which columns each timeframe of a bot must compute, the same answer for the live
// cycle (prepareInputs) and the backtester (prepareBacktest). A timeframe whose model runs needs every
// feature (the model reads the whole row); the decision timeframe needs what the strategy's rules read
// plus ATR (ATR stops and the prediction's `atr`); any other timeframe needs none.
import { FEATURE_NAMES, type FeatureName } from "../features/schema";
import type { Timeframe } from "../market/timeframes";
import type { BotConfig } from "../protocol/bot-config";
import { strategyNames } from "../strategy/names";
import { decisionTimeframeOf } from "./inputs";

/** Per timeframe: the features to compute; null = every feature. */
export type FeatureNeeds = ReadonlyMap<Timeframe, ReadonlySet<FeatureName> | null>;

const KNOWN = new Set<string>(FEATURE_NAMES);

export function featureNeeds(
  config: Pick<BotConfig, "ensemble" | "strategy">,
  modelTimeframes: Iterable<Timeframe>,
): FeatureNeeds {
  const out = new Map<Timeframe, ReadonlySet<FeatureName> | null>();
  const decisionTf = decisionTimeframeOf(config);
  for (const { timeframe } of config.ensemble.models) out.set(timeframe, new Set());
  const rules = new Set<FeatureName>(["atr_14"]);
  for (const n of strategyNames(config.strategy)) if (KNOWN.has(n)) rules.add(n as FeatureName);
  out.set(decisionTf, rules);
  for (const tf of modelTimeframes) out.set(tf, null);
  return out;
}
