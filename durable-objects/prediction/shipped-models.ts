// The models shipped in models/trained/ (USD/CHF 2h, 4h, 1d; trained on real data, see their cards),
// bundled into the Worker as Data modules, and installable into R2 + model_versions for any bot.
// `npm start`'s demo bot and the tests use installShippedModels.
import { and, eq, max } from "drizzle-orm";
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
import { db } from "../../worker/db/client";
import { modelVersions } from "../../worker/db/schema";
import type { Env } from "../../worker/env";
import { artifactKey, ONNX_CONTENT_TYPE } from "../../worker/routes/model-artifacts";

export const SHIPPED_SYMBOL = "USDCHF";

export const SHIPPED_MODELS: ReadonlyArray<{ timeframe: Timeframe; bytes: ArrayBuffer; card: unknown }> = [
  { timeframe: "2h", bytes: usdchf2h, card: card2h },
  { timeframe: "4h", bytes: usdchf4h, card: card4h },
  { timeframe: "1d", bytes: usdchf1d, card: card1d },
];

/** The demo bot's ensemble: the shipped timeframes; the daily model weighs most (weights sum to 1). */
export const SHIPPED_ENSEMBLE = [
  { timeframe: "2h", weight: 0.3 },
  { timeframe: "4h", weight: 0.3 },
  { timeframe: "1d", weight: 0.4 },
] as const;

/** A bot config that runs on the shipped models (defaults for strategy, risk and execution). */
export function shippedBotConfig(overrides: Partial<Omit<BotConfig, "symbol" | "ensemble">> = {}): BotConfig {
  return BotConfigSchema.parse({ symbol: SHIPPED_SYMBOL, ensemble: { models: SHIPPED_ENSEMBLE.map((m) => ({ ...m })) }, ...overrides });
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
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
  const d = db(env);
  const out: InstalledModel[] = [];
  for (const m of SHIPPED_MODELS) {
    const bytes = new Uint8Array(m.bytes);
    // Same contract check as an upload: a shipped file that drifted from the schema must not install.
    const contract = validateModelContract(bytes, { featureCount: FEATURE_COUNT, featureSchemaHash: FEATURE_SCHEMA.hash });
    if (!contract.ok) throw new Error(`shipped ${m.timeframe} model breaks the contract: ${contract.errors.map((e) => e.message).join("; ")}`);
    const row = await d.select({ v: max(modelVersions.version) }).from(modelVersions).where(and(eq(modelVersions.botId, botId), eq(modelVersions.timeframe, m.timeframe))).get();
    const version = (row?.v ?? 0) + 1;
    const key = artifactKey(userId, botId, m.timeframe, version);
    const sha256 = await sha256Hex(bytes);
    await env.MODELS.put(key, bytes, {
      httpMetadata: { contentType: ONNX_CONTENT_TYPE },
      customMetadata: { userId, botId, timeframe: m.timeframe, version: String(version), sha256, featureSchemaHash: FEATURE_SCHEMA.hash, source: "shipped" },
    });
    const id = crypto.randomUUID();
    await d.batch([
      d.update(modelVersions).set({ status: "retired" }).where(and(eq(modelVersions.botId, botId), eq(modelVersions.timeframe, m.timeframe), eq(modelVersions.status, "active"))),
      d.insert(modelVersions).values({ id, userId, botId, timeframe: m.timeframe, version, r2Key: key, featureSchemaHash: FEATURE_SCHEMA.hash, card: { source: "shipped", size_bytes: bytes.length, sha256, model_card: m.card }, status: "active", createdAt: Date.now() }),
    ]);
    out.push({ timeframe: m.timeframe, id, version, r2Key: key });
  }
  return out;
}
