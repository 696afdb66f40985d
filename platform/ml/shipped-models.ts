// The models shipped in models/trained/ (USD/CHF 2h, 4h, 1d; trained on real data, see their cards),
// bundled into the Worker as Data modules, and installable into R2 + model_versions for any bot.
// `npm start`'s demo bot and the tests use installShippedModels.
import { SHIPPED_ENSEMBLES } from "../../core/protocol/symbol-market";
import usdchf1d from "../../models/trained/usdchf_1d.onnx";
import card1d from "../../models/trained/usdchf_1d.card.json";
import usdchf2h from "../../models/trained/usdchf_2h.onnx";
import card2h from "../../models/trained/usdchf_2h.card.json";
import usdchf4h from "../../models/trained/usdchf_4h.onnx";
import card4h from "../../models/trained/usdchf_4h.card.json";
import { FEATURE_COUNT, FEATURE_SCHEMA } from "../../core/features/schema";
import type { Timeframe } from "../../core/market/timeframes";
import { validateModelContract } from "../../core/onnx/contract";
import { BotConfigSchema, type BotConfig } from "../../core/protocol/bot-config";
import type { Env } from "../env";
import { storeModelVersion } from "./model-versions";

export const SHIPPED_SYMBOL = "USDCHF";

export const SHIPPED_MODELS: ReadonlyArray<{ timeframe: Timeframe; bytes: ArrayBuffer; card: unknown }> = [
  { timeframe: "2h", bytes: usdchf2h, card: card2h },
  { timeframe: "4h", bytes: usdchf4h, card: card4h },
  { timeframe: "1d", bytes: usdchf1d, card: card1d },
];

/** The demo bot's ensemble: the shipped timeframes (core/protocol/symbol-market.ts). */
export const SHIPPED_ENSEMBLE = SHIPPED_ENSEMBLES.USDCHF;

/** A bot config that runs on the shipped models (defaults for strategy, risk and execution). */
export function shippedBotConfig(overrides: Partial<Omit<BotConfig, "symbol" | "ensemble">> = {}): BotConfig {
  return BotConfigSchema.parse({ symbol: SHIPPED_SYMBOL, ensemble: { models: SHIPPED_ENSEMBLE.map((m) => ({ ...m })) }, ...overrides });
}

export interface InstalledModel {
  timeframe: Timeframe;
  id: string;
  version: number;
  r2Key: string;
}

/**
 * Stores every shipped model as the new active version of (bot, timeframe): R2 object under the
 * same key scheme as uploads, model_versions row with the shipped card; the previous active
 * version is retired in the same D1 batch. The caller must own the bot (userId scopes the rows).
 */
export async function installShippedModels(env: Pick<Env, "DB" | "MODELS">, userId: string, botId: string): Promise<InstalledModel[]> {
  const out: InstalledModel[] = [];
  for (const m of SHIPPED_MODELS) {
    const bytes = new Uint8Array(m.bytes);
    // Same contract check as an upload: a shipped file that drifted from the schema must not install.
    const contract = validateModelContract(bytes, { featureCount: FEATURE_COUNT, featureSchemaHash: FEATURE_SCHEMA.hash });
    if (!contract.ok) throw new Error(`shipped ${m.timeframe} model breaks the contract: ${contract.errors.map((e) => e.message).join("; ")}`);
    // Same storage path as uploads and edge training: next version, old one retired in one batch.
    const stored = await storeModelVersion(env, {
      userId,
      botId,
      timeframe: m.timeframe,
      bytes,
      card: { source: "shipped", size_bytes: bytes.length, model_card: m.card },
      metadata: { source: "shipped" },
    });
    out.push({ timeframe: m.timeframe, id: stored.id, version: stored.version, r2Key: stored.key });
  }
  return out;
}
