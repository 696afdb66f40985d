// End to end: cron -> the user's object -> the real PredictionService (shipped USD/CHF ONNX models,
// replay bars, ORT in the object, core/decision) -> threshold -> paper execution -> D1. No doubles.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TriggerResponseSchema } from "../../core/protocol/portfolio-api";
import { installShippedModels, SHIPPED_ENSEMBLE } from "../../durable-objects/prediction";
import worker from "../../worker/index";
import { d1Activities, d1Trades, newUser } from "./engine-fixtures";
import { authedFetch } from "./helpers";

describe("cycle with the shipped models", () => {
  it("a cron fire decides once per bar with real predictions; the decision and its reason are recorded", async () => {
    const u = await newUser();
    const res = await authedFetch(u.accessToken, "/api/v1/ml/models", {
      method: "POST",
      json: { name: "shipped", symbol: "USDCHF", config: { ensemble: { models: SHIPPED_ENSEMBLE }, execution: { cooldownMinutes: 0, confidenceThreshold: 0.5 } } },
    });
    expect(res.status).toBe(201);
    const botId = ((await res.json()) as { id: string }).id;
    await installShippedModels(env, u.userId, botId);
    expect((await authedFetch(u.accessToken, `/api/v1/ml/models/${botId}/activate`, { method: "POST" })).status).toBe(200);

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/15 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);

    const preds = (await env.DB.prepare("SELECT bar_time, direction, confidence FROM predictions WHERE bot_id = ?").bind(botId).all<{ bar_time: number; direction: string; confidence: number }>()).results;
    expect(preds).toHaveLength(1);
    const barTime = preds[0]!.bar_time;
    const acts = await d1Activities(u.userId);
    const predAct = acts.find((a) => a.type === "prediction");
    expect(predAct?.message).toContain(new Date(barTime).toISOString());
    const trades = await d1Trades(u.userId);
    if (trades.length === 1) {
      expect(trades[0]).toMatchObject({ bot_id: botId, client_order_id: `${botId}:${barTime}`, status: "open", target: "paper" });
    } else {
      expect(trades).toHaveLength(0);
      expect(acts.some((a) => a.type === "skip")).toBe(true); // the reason (HOLD, strategy, threshold) is in the feed
    }

    const again = await authedFetch(u.accessToken, "/api/v1/ml/auto-trading/trigger", { method: "POST" });
    const [r] = TriggerResponseSchema.parse(await again.json()).results;
    expect(r).toMatchObject({ bot_id: botId, outcome: "duplicate", reason: "already_decided", bar_time: barTime });
    expect(await d1Trades(u.userId)).toHaveLength(trades.length);
  });
});
