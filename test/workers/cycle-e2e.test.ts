// End to end: cron -> the user's object -> the real PredictionService (shipped USD/CHF ONNX models,
// replay bars, ORT in the object, core/decision) -> threshold -> paper execution -> D1. No doubles.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TriggerResponseSchema } from "../../core/protocol/portfolio-api";
import { installShippedModels, SHIPPED_ENSEMBLE } from "../../durable-objects/prediction";
import worker from "../../worker/index";
import { d1Activities, d1Trades, newUser } from "./engine-fixtures";
import { authedFetch } from "./helpers";

// One outcome, known in advance: a new object's replay clock starts at the bar its seed selects
// (seed 1, REPLAY_SPEED 1 in wrangler.toml), so the first cycle always decides on the USD/CHF bar
// of 1999-05-06 20:00 UTC, where the shipped ensemble says BUY with 37.8% confidence. With a 35%
// threshold that is a trade; metrics.test.ts runs the same bar at 50% and sees the skip. Two open
// positions are allowed so the second trigger meets the once-per-bar check, not the position cap.
const DECIDED_BAR = Date.UTC(1999, 4, 6, 20, 0);

describe("cycle with the shipped models", () => {
  it("a cron fire decides once per bar with real predictions; the decision and its reason are recorded", async () => {
    const u = await newUser();
    const res = await authedFetch(u.accessToken, "/api/v1/ml/models", {
      method: "POST",
      json: {
        name: "shipped",
        symbol: "USDCHF",
        config: {
          ensemble: { models: SHIPPED_ENSEMBLE },
          execution: { cooldownMinutes: 0, confidenceThreshold: 0.35 },
          risk: { maxOpenPositions: 2 },
        },
      },
    });
    expect(res.status).toBe(201);
    const botId = ((await res.json()) as { id: string }).id;
    await installShippedModels(env, u.userId, botId);
    expect((await authedFetch(u.accessToken, `/api/v1/ml/models/${botId}/activate`, { method: "POST" })).status).toBe(
      200,
    );

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/15 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);

    const preds = (
      await env.DB.prepare("SELECT bar_time, direction, confidence FROM predictions WHERE bot_id = ?")
        .bind(botId)
        .all<{ bar_time: number; direction: string; confidence: number }>()
    ).results;
    expect(preds).toHaveLength(1);
    expect(preds[0]).toMatchObject({ bar_time: DECIDED_BAR, direction: "BUY" });
    expect(preds[0]!.confidence).toBeCloseTo(0.378, 3);
    const barTime = preds[0]!.bar_time;
    const acts = await d1Activities(u.userId);
    const predAct = acts.find((a) => a.type === "prediction");
    expect(predAct?.message).toContain(new Date(barTime).toISOString());
    const trades = await d1Trades(u.userId);
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({
      bot_id: botId,
      client_order_id: `${botId}:${barTime}`,
      side: "BUY",
      status: "open",
      target: "paper",
    });
    expect(acts.some((a) => a.type === "skip")).toBe(false);

    const again = await authedFetch(u.accessToken, "/api/v1/ml/auto-trading/trigger", { method: "POST" });
    const [r] = TriggerResponseSchema.parse(await again.json()).results;
    expect(r).toMatchObject({ bot_id: botId, outcome: "duplicate", reason: "already_decided", bar_time: barTime });
    expect(await d1Trades(u.userId)).toHaveLength(1);
  });
});
