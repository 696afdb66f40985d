// The models shipped in models/trained/ (USD/CHF 2h, 4h, 1d and BTCUSD 1h, 4h; trained on real data,
// see their cards), bundled into the Worker as Data modules, and installable into R2 + model_versions
// for a bot of that symbol. `npm start`'s demo bots and the tests use installShippedModels.

import { FEATURE_COUNT, FEATURE_SCHEMA } from "../../core/features/schema";
import type { Timeframe } from "../../core/market/timeframes";
import { validateModelContract } from "../../core/onnx/contract";
import { type BotConfig, BotConfigSchema } from "../../core/protocol/bot-config";
import { SHIPPED_ENSEMBLES } from "../../core/protocol/symbol-market";
import btcCard1h from "../../models/trained/btcusd_1h.card.json";
import btcusd1h from "../../models/trained/btcusd_1h.onnx";
import btcCard4h from "../../models/trained/btcusd_4h.card.json";
import btcusd4h from "../../models/trained/btcusd_4h.onnx";
import card1d from "../../models/trained/usdchf_1d.card.json";
import usdchf1d from "../../models/trained/usdchf_1d.onnx";
import card2h from "../../models/trained/usdchf_2h.card.json";
import usdchf2h from "../../models/trained/usdchf_2h.onnx";
import card4h from "../../models/trained/usdchf_4h.card.json";
import usdchf4h from "../../models/trained/usdchf_4h.onnx";
import type { Env } from "../env";
import { storeModelVersion } from "./model-versions";

export const SHIPPED_SYMBOL = "USDCHF";

type ShippedModel = { timeframe: Timeframe; bytes: ArrayBuffer; card: unknown };

export const SHIPPED_MODELS: ReadonlyArray<ShippedModel> = [
  { timeframe: "2h", bytes: usdchf2h, card: card2h },
  { timeframe: "4h", bytes: usdchf4h, card: card4h },
  { timeframe: "1d", bytes: usdchf1d, card: card1d },
];

/**
 * Shipped models per symbol. BTCUSD has 1h and 4h (from the Binance BTC/USDT hourly file); its 15m
 * member has no honest offline source, so a crypto bot trains it on the edge from Delta's history.
 */
export const SHIPPED_BY_SYMBOL: Readonly<Record<string, ReadonlyArray<ShippedModel>>> = {
  [SHIPPED_SYMBOL]: SHIPPED_MODELS,
  BTCUSD: [
    { timeframe: "1h", bytes: btcusd1h, card: btcCard1h },
    { timeframe: "4h", bytes: btcusd4h, card: btcCard4h },
  ],
};

/** The demo bot's ensemble: the shipped timeframes (core/protocol/symbol-market.ts). */
export const SHIPPED_ENSEMBLE = SHIPPED_ENSEMBLES.USDCHF;

/** A bot config that runs on the shipped models (defaults for strategy, risk and execution). */
export function shippedBotConfig(overrides: Partial<Omit<BotConfig, "symbol" | "ensemble">> = {}): BotConfig {
  return BotConfigSchema.parse({
    symbol: SHIPPED_SYMBOL,
    ensemble: { models: SHIPPED_ENSEMBLE.map((m) => ({ ...m })) },
    ...overrides,
  });
}

export interface InstalledModel {
  timeframe: Timeframe;
  id: string;
  version: number;
  r2Key: string;
}

/**
 * Stores every shipped model of `symbol` as the new active version of (bot, timeframe): R2 object under the
 * same key scheme as uploads, model_versions row with the shipped card; the previous active
 * version is retired in the same D1 batch. The caller must own the bot (userId scopes the rows).
 */
export async function installShippedModels(
  env: Pick<Env, "DB" | "MODELS">,
  userId: string,
  botId: string,
  symbol: string = SHIPPED_SYMBOL,
): Promise<InstalledModel[]> {
  const out: InstalledModel[] = [];
  for (const m of SHIPPED_BY_SYMBOL[symbol] ?? []) {
    const bytes = new Uint8Array(m.bytes);
    // Same contract check as an upload: a shipped file that drifted from the schema must not install.
    const contract = validateModelContract(bytes, {
      featureCount: FEATURE_COUNT,
      featureSchemaHash: FEATURE_SCHEMA.hash,
    });
    if (!contract.ok)
      throw new Error(
        `shipped ${m.timeframe} model breaks the contract: ${contract.errors.map((e) => e.message).join("; ")}`,
      );
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
