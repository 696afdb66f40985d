// Fixtures for the engine's workerd tests: a user with a bot, the user's object, a prediction
// double for cycle-logic tests (the real PredictionService is used in cycle-e2e.test.ts), and the
// socket reader (socket-reader.ts).
import { env, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { BotConfigInput } from "../../core/protocol/bot-config";
import type { Prediction } from "../../core/protocol/prediction";
import type { Predictor } from "../../durable-objects/engine/prediction-port";
import type { Quote } from "../../durable-objects/engine/replay-quotes";
import type { UserBot } from "../../durable-objects/user-bot";
import { authedFetch, registerUser, type TestUser } from "./helpers";
import { userBot } from "./user-bot-stub";

export const SYMBOL = "USDCHF";
export const BAR0 = Date.UTC(1999, 0, 4, 10, 0);

export function stubOf(userId: string) {
  return userBot(userId);
}

export async function createBot(
  user: TestUser,
  execution: Partial<NonNullable<BotConfigInput["execution"]>> = {},
  active = true,
): Promise<string> {
  const res = await authedFetch(user.accessToken, "/api/v1/ml/models", {
    method: "POST",
    json: { name: "test bot", symbol: SYMBOL, config: { execution } },
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  if (active)
    expect((await authedFetch(user.accessToken, `/api/v1/ml/models/${id}/activate`, { method: "POST" })).status).toBe(
      200,
    );
  return id;
}

/** A BUY (or SELL) prediction around `mid` at bar `barTime` with the given confidence. */
export function prediction(
  botId: string,
  barTime: number,
  opts: { confidence?: number; side?: "BUY" | "SELL"; mid?: number; plan?: boolean } = {},
): Prediction {
  const side = opts.side ?? "BUY";
  const mid = opts.mid ?? 0.9;
  const confidence = opts.confidence ?? 0.8;
  const dir = side === "BUY" ? 1 : -1;
  const probs: [number, number, number] =
    side === "BUY" ? [0.05, 1 - confidence - 0.05, confidence] : [confidence, 1 - confidence - 0.05, 0.05];
  return {
    botId,
    symbol: SYMBOL,
    timeframe: "multi",
    barTime,
    ensemble: {
      direction: side,
      confidence,
      probabilities: probs,
      healthyModels: 1,
      totalModels: 1,
      reason: "test",
      breakdown: [],
    },
    strategy: { agreed: true, reason: "test strategy agrees", checks: [] },
    direction: side,
    confidence,
    threshold: 0.7,
    plan:
      opts.plan === false
        ? null
        : {
            side,
            entry: mid,
            stopLoss: mid - dir * 0.005,
            takeProfit: mid + dir * 0.01,
            riskReward: 2,
            volume: 0.1,
            atr: 0.002,
          },
    reason: "ok",
    featureSchemaHash: "test",
    generatedAt: Date.now(),
    cached: false,
  };
}

/** A prediction double whose bar and confidence the test moves; counts calls. */
export function predictorDouble(botId: string) {
  const state = { barTime: BAR0, confidence: 0.8, calls: 0 };
  const fn: Predictor = async (bot) => {
    state.calls++;
    return {
      ok: true,
      prediction: prediction(bot.id === botId ? botId : bot.id, state.barTime, { confidence: state.confidence }),
    };
  };
  return { state, fn };
}

/** Puts a predictor and a fixed quote into the user's object (in-memory: the instance stays alive during a test). */
export async function wireObject(
  userId: string,
  predictor: Predictor,
  quote: Quote = { symbol: SYMBOL, mid: 0.9, time: BAR0 + 60_000 },
) {
  await runInDurableObject(stubOf(userId), (instance: UserBot) => {
    instance.engine.core.bindUser(userId);
    instance.engine.predictor = predictor;
    instance.engine.core.quote = (s) => (s === quote.symbol ? quote : null);
  });
}

export async function d1Trades(userId: string) {
  return (
    await env.DB.prepare(`SELECT * FROM trades WHERE user_id = ? ORDER BY created_at`)
      .bind(userId)
      .all<Record<string, unknown>>()
  ).results;
}

export async function d1Activities(userId: string) {
  return (
    await env.DB.prepare(`SELECT type, message, data FROM activities WHERE user_id = ? ORDER BY seq`)
      .bind(userId)
      .all<{ type: string; message: string; data: string }>()
  ).results;
}

export async function newUser(): Promise<TestUser> {
  return registerUser();
}

export { openSocket, type SocketReader } from "./socket-reader";
