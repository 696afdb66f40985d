// GET /api/v1/predict and POST /api/v1/ml/models/{id}/predict in workerd: real shipped USD/CHF models
// (uploaded through the real artifact route, or installed by installShippedModels), the replay feed's
// bars in the user's object, ORT in the object, D1 `predictions`.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FEATURE_SCHEMA } from "../../core/features/schema";
import { TIMEFRAME_MS } from "../../core/market/timeframes";
import { BotConfigSchema } from "../../core/protocol/bot-config";
import { ApiErrorSchema } from "../../core/protocol/errors";
import { BotSchema } from "../../core/protocol/models-api";
import { type Prediction, PredictionSchema } from "../../core/protocol/prediction";
import { installShippedModels, SHIPPED_ENSEMBLE, SHIPPED_MODELS } from "../../durable-objects/prediction";
import type { UserBot } from "../../durable-objects/user-bot";
import { insertBot } from "../../platform/bots/store";
import { db } from "../../platform/db/client";
import { api, registerUser, type TestUser } from "./helpers";
import { userBot } from "./user-bot-stub";

async function createBot(u: TestUser, name: string, activate = true): Promise<string> {
  const res = await api("/api/v1/ml/models", {
    method: "POST",
    token: u.accessToken,
    json: { name, symbol: "USDCHF", config: { ensemble: { models: SHIPPED_ENSEMBLE } } },
  });
  expect(res.status).toBe(201);
  const bot = BotSchema.parse(await res.json());
  if (activate)
    expect((await api(`/api/v1/ml/models/${bot.id}/activate`, { method: "POST", token: u.accessToken })).status).toBe(
      200,
    );
  return bot.id;
}

async function uploadShipped(u: TestUser, botId: string): Promise<void> {
  for (const m of SHIPPED_MODELS) {
    const res = await api(`/api/v1/ml/models/${botId}/artifact?timeframe=${m.timeframe}`, {
      method: "PUT",
      token: u.accessToken,
      body: new Uint8Array(m.bytes),
      headers: { "Content-Type": "application/octet-stream" },
    });
    expect(res.status, await res.clone().text()).toBe(201);
  }
}

async function predict(u: TestUser, query: string): Promise<Prediction> {
  const res = await api(`/api/v1/predict?${query}`, { token: u.accessToken });
  expect(res.status, await res.clone().text()).toBe(200);
  return PredictionSchema.parse(await res.json());
}

async function expectError(res: Response, status: number, code: string, message?: RegExp) {
  expect(res.status).toBe(status);
  const err = ApiErrorSchema.parse(await res.json()).error;
  expect(err.code).toBe(code);
  if (message) expect(err.message).toMatch(message);
  return err;
}

const storedPredictions = async (botId: string) =>
  (
    await env.DB.prepare(
      "SELECT timeframe, bar_time, direction, confidence FROM predictions WHERE bot_id = ? ORDER BY created_at",
    )
      .bind(botId)
      .all<{ timeframe: string; bar_time: number }>()
  ).results;

/** Moves the user's replay clock forward (virtual time runs at real speed from real_start). */
async function advanceReplay(u: TestUser, ms: number): Promise<void> {
  await runInDurableObject(userBot(u.userId), (_: UserBot, state) => {
    state.storage.sql.exec("UPDATE market_replay_clock SET real_start = real_start - ?", ms);
  });
}

describe("predictions with the shipped USD/CHF models", () => {
  it("multi: consensus with a 3-model breakdown; cached within the bar, force_refresh and a new bar recompute", async () => {
    const u = await registerUser();
    const botId = await createBot(u, "demo");
    await uploadShipped(u, botId);

    const p1 = await predict(u, "symbol=USDCHF&timeframe=multi");
    expect(p1).toMatchObject({
      botId,
      symbol: "USDCHF",
      timeframe: "multi",
      cached: false,
      featureSchemaHash: FEATURE_SCHEMA.hash,
      threshold: 0.7,
    });
    expect(p1.ensemble.breakdown.map((b) => [b.timeframe, b.weight, b.healthy])).toEqual([
      ["2h", 0.3, true],
      ["4h", 0.3, true],
      ["1d", 0.4, true],
    ]);
    for (const b of p1.ensemble.breakdown) expect(b.probabilities!.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 5);
    expect(p1.barTime % TIMEFRAME_MS["2h"]).toBe(0);
    expect(p1.plan === null || p1.direction !== "HOLD").toBe(true);
    expect(p1.reason.length).toBeGreaterThan(0);
    expect(await storedPredictions(botId)).toHaveLength(1);

    const p2 = await predict(u, "symbol=USDCHF");
    expect(p2.cached).toBe(true);
    expect({ ...p2, cached: false }).toEqual(p1);
    expect(await storedPredictions(botId)).toHaveLength(1); // a reuse records nothing

    const p3 = await predict(u, "symbol=USDCHF&force_refresh=true");
    expect(p3.cached).toBe(false);
    expect(p3.barTime).toBe(p1.barTime);
    expect(p3.generatedAt).toBeGreaterThanOrEqual(p1.generatedAt);
    expect(await storedPredictions(botId)).toHaveLength(2);

    await advanceReplay(u, TIMEFRAME_MS["2h"]);
    const p4 = await predict(u, "symbol=USDCHF");
    expect(p4.cached).toBe(false);
    expect(p4.barTime).toBe(p1.barTime + TIMEFRAME_MS["2h"]);
    const rows = await storedPredictions(botId);
    expect(rows).toHaveLength(3);
    expect(rows[2]).toMatchObject({ timeframe: "multi", bar_time: p4.barTime });
    expect((await predict(u, "symbol=USDCHF")).cached).toBe(true);
  });

  it("one timeframe: that model's view through the same decision code; a timeframe outside the ensemble is a 400", async () => {
    const u = await registerUser();
    const botId = await createBot(u, "tf");
    await uploadShipped(u, botId);
    const p = await predict(u, `bot_id=${botId}&timeframe=4h`);
    expect(p.timeframe).toBe("4h");
    expect(p.ensemble.breakdown.map((b) => [b.timeframe, b.effectiveWeight, b.healthy])).toEqual([["4h", 1, true]]);
    expect(p.barTime % TIMEFRAME_MS["4h"]).toBe(0);
    // The single view has its own cache entry: multi is computed fresh.
    expect((await predict(u, `bot_id=${botId}`)).cached).toBe(false);
    await expectError(
      await api(`/api/v1/predict?bot_id=${botId}&timeframe=15m`, { token: u.accessToken }),
      400,
      "bad_request",
      /not in this bot's ensemble \(2h, 4h, 1d\)/,
    );
  });

  it("POST /ml/models/{id}/predict: defaults to multi, takes a timeframe, validates the body", async () => {
    const u = await registerUser();
    const botId = await createBot(u, "post", false); // inactive bots can still be asked by id
    await installShippedModels(env, u.userId, botId);
    const res = await api(`/api/v1/ml/models/${botId}/predict`, { method: "POST", token: u.accessToken });
    expect(res.status, await res.clone().text()).toBe(200);
    const multi = PredictionSchema.parse(await res.json());
    expect(multi.timeframe).toBe("multi");
    expect(multi.ensemble.healthyModels).toBe(3);
    const res1d = await api(`/api/v1/ml/models/${botId}/predict`, {
      method: "POST",
      token: u.accessToken,
      json: { timeframe: "1d", force_refresh: true },
    });
    expect(res1d.status).toBe(200);
    expect(PredictionSchema.parse(await res1d.json()).timeframe).toBe("1d");
    await expectError(
      await api(`/api/v1/ml/models/${botId}/predict`, {
        method: "POST",
        token: u.accessToken,
        json: { timeframe: "3h" },
      }),
      400,
      "validation_error",
    );
    await expectError(
      await api(`/api/v1/ml/models/${botId}/predict`, {
        method: "POST",
        token: u.accessToken,
        json: { force_refresh: "yes" },
      }),
      400,
      "validation_error",
    );
    // No active bot for the symbol: the GET by symbol finds nothing.
    await expectError(
      await api("/api/v1/predict?symbol=USDCHF", { token: u.accessToken }),
      404,
      "not_found",
      /no active bot for USDCHF/,
    );
  });

  it("another user's bot is a 404 on both routes; bad queries are 400s and a bot the data can't serve is a 409, in the shared shape", async () => {
    const owner = await registerUser();
    const other = await registerUser();
    const botId = await createBot(owner, "mine");
    await installShippedModels(env, owner.userId, botId);
    await expectError(await api(`/api/v1/predict?bot_id=${botId}`, { token: other.accessToken }), 404, "not_found");
    await expectError(
      await api(`/api/v1/ml/models/${botId}/predict`, { method: "POST", token: other.accessToken }),
      404,
      "not_found",
    );
    await expectError(await api("/api/v1/predict?symbol=USDCHF", { token: other.accessToken }), 404, "not_found");
    expect(await storedPredictions(botId)).toHaveLength(0);
    await expectError(
      await api("/api/v1/predict?symbol=USDCHF&force_refresh=maybe", { token: owner.accessToken }),
      400,
      "validation_error",
    );
    await expectError(
      await api("/api/v1/predict?timeframe=multi", { token: owner.accessToken }),
      400,
      "validation_error",
    );
    expect((await api("/api/v1/predict?symbol=USDCHF")).status).toBe(401);
    // A bot stored before save-time checks with a 15m/1h/4h ensemble: the USD/CHF data is 30m, so 15m can't be made: 409, not a 5xx.
    const defaults = await insertBot(
      db(env),
      owner.userId,
      "old defaults",
      BotConfigSchema.parse({
        symbol: "USDCHF",
        ensemble: {
          models: [
            { timeframe: "15m", weight: 0.3 },
            { timeframe: "1h", weight: 0.25 },
            { timeframe: "4h", weight: 0.45 },
          ],
        },
      }),
    );
    const err = await expectError(
      await api(`/api/v1/ml/models/${defaults.id}/predict`, { method: "POST", token: owner.accessToken }),
      409,
      "conflict",
      /15m cannot be made/,
    );
    expect(err.details).toEqual({ reason: "unsupported_timeframe" });
  });

  it("a corrupt artifact makes that model unhealthy and excluded; the prediction still comes back and health records it", async () => {
    const u = await registerUser();
    const botId = await createBot(u, "corrupt");
    const installed = await installShippedModels(env, u.userId, botId);
    const fourH = installed.find((m) => m.timeframe === "4h")!;
    await env.MODELS.put(fourH.r2Key, new TextEncoder().encode("this is not an onnx model"));

    const p = await predict(u, "symbol=USDCHF");
    const bad = p.ensemble.breakdown.find((b) => b.timeframe === "4h")!;
    expect(bad).toMatchObject({ healthy: false, effectiveWeight: 0, direction: null });
    expect(bad.error).toMatch(/model v1 failed \(model_load_failed\)/);
    expect(p.ensemble.healthyModels).toBe(2);
    expect(p.ensemble.breakdown.filter((b) => b.healthy).map((b) => b.timeframe)).toEqual(["2h", "1d"]);
    expect(p.ensemble.reason).toContain("1 unhealthy model excluded");

    const health = await runInDurableObject(userBot(u.userId), (bot: UserBot) => bot.modelHealth(u.userId, botId));
    expect(health.map((h) => [h.timeframe, h.healthy])).toEqual([
      ["1d", true],
      ["2h", true],
      ["4h", false],
    ]);
    const h4 = health.find((h) => h.timeframe === "4h")!;
    expect(h4).toMatchObject({ modelVersionId: fourH.id, consecutiveFailures: 1 });
    expect(h4.lastError).toMatch(/model_load_failed/);
    expect(h4.lastErrorAt).toBeGreaterThan(0);
  });

  it("a model version recorded for another feature schema is refused with a clear reason", async () => {
    const u = await registerUser();
    const botId = await createBot(u, "schema");
    await installShippedModels(env, u.userId, botId);
    await env.DB.prepare("UPDATE model_versions SET feature_schema_hash = ? WHERE bot_id = ? AND timeframe = '1d'")
      .bind("ab".repeat(32), botId)
      .run();
    const p = await predict(u, "symbol=USDCHF");
    const d1 = p.ensemble.breakdown.find((b) => b.timeframe === "1d")!;
    expect(d1.healthy).toBe(false);
    expect(d1.error).toBe(
      `refused: model v1 was built for feature schema abababababab, this server computes 'ohlcv-core' v1 (${FEATURE_SCHEMA.hash.slice(0, 12)}); retrain or re-upload it`,
    );
    expect(p.ensemble.healthyModels).toBe(2);
    const health = await runInDurableObject(userBot(u.userId), (bot: UserBot) => bot.modelHealth(u.userId, botId));
    expect(health.find((h) => h.timeframe === "1d")).toMatchObject({ healthy: false, lastError: d1.error });
  });

  it("a connector bot sizing by risk_pct is skipped while the broker balance is unknown; with fixed lots it predicts", async () => {
    const u = await registerUser();
    const make = async (name: string, sizing: object) => {
      const res = await api("/api/v1/ml/models", {
        method: "POST",
        token: u.accessToken,
        json: {
          name,
          symbol: "USDCHF",
          config: { ensemble: { models: SHIPPED_ENSEMBLE }, risk: { sizing }, execution: { target: "connector" } },
        },
      });
      expect(res.status, await res.clone().text()).toBe(201);
      const bot = BotSchema.parse(await res.json());
      expect(bot.target).toBe("connector");
      const id = bot.id;
      await uploadShipped(u, id);
      return id;
    };
    const pct = await make("pct", { mode: "risk_pct", pct: 1 });
    const res = await api(`/api/v1/predict?bot_id=${pct}`, { token: u.accessToken });
    expect(res.status).toBe(503);
    const err = ApiErrorSchema.parse(await res.json()).error;
    expect(err.message).toMatch(/account balance unknown/);
    expect(err.details).toMatchObject({ reason: "no_balance" });
    const fixed = await make("fixed", { mode: "fixed", lots: 0.1 });
    expect((await predict(u, `bot_id=${fixed}`)).botId).toBe(fixed);
  });

  it("stale market data: skipped with the reason (503), never a plan, nothing more recorded", async () => {
    const u = await registerUser();
    const botId = await createBot(u, "stale");
    await installShippedModels(env, u.userId, botId);
    expect((await predict(u, "symbol=USDCHF")).cached).toBe(false); // fresh at the replay's start (this also starts its clock)
    await advanceReplay(u, 5 * 365 * 86_400_000); // past the end of the replay data: no new bars appear
    const err = await expectError(
      await api("/api/v1/predict?symbol=USDCHF", { token: u.accessToken }),
      503,
      "unavailable",
      /prediction skipped: market data is stale: newest 2h bar closed at/,
    );
    expect(err.details).toEqual({ reason: "stale" });
    expect(await storedPredictions(botId)).toHaveLength(1); // only the fresh one before
  });
});
