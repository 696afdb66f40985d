// The auto-trading cycle inside the user's object, driven by the real cron handler. Predictions
// come from a double here (cycle logic only); cycle-e2e.test.ts runs the real PredictionService.
import {
  createExecutionContext,
  createScheduledController,
  env,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CycleResultSchema, TriggerResponseSchema } from "../../core/protocol/portfolio-api";
import type { UserBot } from "../../durable-objects/user-bot";
import worker from "../../worker/index";
import {
  BAR0,
  createBot,
  d1Activities,
  d1Trades,
  newUser,
  predictorDouble,
  SYMBOL,
  stubOf,
  wireObject,
} from "./engine-fixtures";
import { authedFetch, type TestUser } from "./helpers";

async function cronFire(scheduledTime: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime, cron: "*/15 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function trigger(token: string) {
  const res = await authedFetch(token, "/api/v1/ml/auto-trading/trigger", { method: "POST" });
  expect(res.status).toBe(200);
  return TriggerResponseSchema.parse(await res.json()).results;
}

async function createBotWithRisk(
  user: TestUser,
  execution: Record<string, unknown>,
  risk: Record<string, unknown>,
): Promise<string> {
  const res = await authedFetch(user.accessToken, "/api/v1/ml/models", {
    method: "POST",
    json: { name: "test bot", symbol: SYMBOL, config: { execution, risk } },
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  expect((await authedFetch(user.accessToken, `/api/v1/ml/models/${id}/activate`, { method: "POST" })).status).toBe(
    200,
  );
  return id;
}

const reasons = (acts: Awaited<ReturnType<typeof d1Activities>>) =>
  acts.map((a) => (JSON.parse(a.data) as { reason?: string }).reason).filter(Boolean);

describe("auto-trading cycle", () => {
  it("a cron fire trades once for an eligible bot; a second fire and a forced trigger for the same bar do not", async () => {
    const user = await newUser();
    // 2 open positions allowed, so the forced trigger below reaches the per-bar key.
    const botId = await createBotWithRisk(user, { cooldownMinutes: 0 }, { maxOpenPositions: 2 });
    const double = predictorDouble(botId);
    await wireObject(user.userId, double.fn);

    const firedAt = Date.now();
    await cronFire(firedAt);
    let trades = await d1Trades(user.userId);
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({
      bot_id: botId,
      status: "open",
      side: "BUY",
      target: "paper",
      client_order_id: `${botId}:${BAR0}`,
    });

    await cronFire(firedAt); // double fire: the bot is not due again
    const [again] = await trigger(user.accessToken); // forced: reaches the per-bar key
    expect(CycleResultSchema.parse(again)).toMatchObject({
      bot_id: botId,
      outcome: "duplicate",
      reason: "already_decided",
      bar_time: BAR0,
    });
    trades = await d1Trades(user.userId);
    expect(trades).toHaveLength(1);
    const acts = await d1Activities(user.userId);
    expect(acts.map((a) => a.type)).toEqual(expect.arrayContaining(["prediction", "trade"]));
    expect(reasons(acts)).toContain("already_decided");

    // The next bar is a new decision: it trades again (cooldown 0, limit 5).
    double.state.barTime = BAR0 + 15 * 60_000;
    const [next] = await trigger(user.accessToken);
    expect(next).toMatchObject({ outcome: "traded", bar_time: BAR0 + 15 * 60_000 });
    expect(await d1Trades(user.userId)).toHaveLength(2);
  });

  it("max open positions (default 1) blocks the next bar's trade until the position closes", async () => {
    const user = await newUser();
    const botId = await createBot(user, { cooldownMinutes: 0 });
    const double = predictorDouble(botId);
    await wireObject(user.userId, double.fn);
    expect((await trigger(user.accessToken))[0]).toMatchObject({ outcome: "traded" });
    // Next bar, the bot's position still open: the same gate as the backtester (core/decision/gates.ts), before the prediction.
    double.state.barTime += 15 * 60_000;
    expect((await trigger(user.accessToken))[0]).toMatchObject({ outcome: "skipped", reason: "max_open_positions" });
    expect(double.state.calls).toBe(1);
    expect(reasons(await d1Activities(user.userId))).toContain("max_open_positions");
    // A closed bar takes the position out at its SL (0.895); the next bar trades again.
    await runInDurableObject(stubOf(user.userId), (i: UserBot) =>
      i.engine.core.processBar({
        symbol: SYMBOL,
        time: BAR0 + 30 * 60_000,
        open: 0.9,
        high: 0.9,
        low: 0.89,
        close: 0.89,
      }),
    );
    double.state.barTime += 15 * 60_000;
    expect((await trigger(user.accessToken))[0]).toMatchObject({ outcome: "traded" });
    expect((await d1Trades(user.userId)).map((t) => t.status)).toEqual(["closed", "open"]);
  });

  it("cooldown blocks the next bar's trade, with the reason in activities", async () => {
    const user = await newUser();
    const botId = await createBot(user, { cooldownMinutes: 30 });
    const double = predictorDouble(botId);
    await wireObject(user.userId, double.fn);
    expect((await trigger(user.accessToken))[0]).toMatchObject({ outcome: "traded" });
    double.state.barTime += 15 * 60_000;
    const [r] = await trigger(user.accessToken);
    expect(r).toMatchObject({ outcome: "skipped", reason: "cooldown" });
    expect(double.state.calls).toBe(1); // blocked before the prediction
    expect(await d1Trades(user.userId)).toHaveLength(1);
    expect(reasons(await d1Activities(user.userId))).toContain("cooldown");
  });

  it("the daily trade limit blocks, with the reason in activities", async () => {
    const user = await newUser();
    const botId = await createBot(user, { cooldownMinutes: 0, dailyTradeLimit: 1 });
    const double = predictorDouble(botId);
    await wireObject(user.userId, double.fn);
    expect((await trigger(user.accessToken))[0]).toMatchObject({ outcome: "traded" });
    double.state.barTime += 15 * 60_000;
    expect((await trigger(user.accessToken))[0]).toMatchObject({ outcome: "skipped", reason: "daily_limit" });
    expect(await d1Trades(user.userId)).toHaveLength(1);
    expect(reasons(await d1Activities(user.userId))).toContain("daily_limit");
  });

  it("a prediction below the bot's confidence threshold does not trade", async () => {
    const user = await newUser();
    const botId = await createBot(user, { confidenceThreshold: 0.75 });
    const double = predictorDouble(botId);
    double.state.confidence = 0.72;
    await wireObject(user.userId, double.fn);
    const [r] = await trigger(user.accessToken);
    expect(r).toMatchObject({ outcome: "skipped", reason: "below_threshold", bar_time: BAR0 });
    expect(await d1Trades(user.userId)).toHaveLength(0);
    const acts = await d1Activities(user.userId);
    expect(reasons(acts)).toContain("below_threshold");
    expect(acts.find((a) => a.type === "skip")?.message).toMatch(/0\.720 < 0\.75/);
  });

  it("status and health report the real last run; inactive bots are not run by cron", async () => {
    const user = await newUser();
    const active = await createBot(user, {});
    const idle = await createBot(user, {}, false);
    const double = predictorDouble(active);
    await wireObject(user.userId, double.fn);
    await cronFire(Date.now());
    const status = (await (await authedFetch(user.accessToken, "/api/v1/ml/auto-trading/status")).json()) as {
      bots: Array<{
        bot_id: string;
        last_result: string | null;
        next_due_at: number | null;
        last_finished_at: number | null;
      }>;
    };
    const a = status.bots.find((b) => b.bot_id === active)!;
    const i = status.bots.find((b) => b.bot_id === idle)!;
    expect(a.last_result).toBe("traded");
    expect(a.next_due_at).toBeGreaterThan(a.last_finished_at!);
    expect(i.last_result).toBeNull();
    const health = (await (await authedFetch(user.accessToken, "/api/v1/ml/auto-trading/health")).json()) as {
      status: string;
      active_bots: number;
      problems: unknown[];
    };
    expect(health).toMatchObject({ status: "healthy", active_bots: 1, problems: [] });
    const dash = (await (await authedFetch(user.accessToken, "/api/v1/ml/dashboard/active-bots")).json()) as {
      bots: Array<{ bot_id: string; open_positions: number; trades_today: number }>;
    };
    expect(dash.bots).toEqual([expect.objectContaining({ bot_id: active, open_positions: 1, trades_today: 1 })]);
  });

  it("execute runs the current plan once (409 without a plan; another user's bot is 404)", async () => {
    const user = await newUser();
    const other = await newUser();
    const botId = await createBot(user, {});
    const double = predictorDouble(botId);
    await wireObject(user.userId, double.fn);
    const first = await authedFetch(user.accessToken, `/api/v1/ml/models/${botId}/execute`, { method: "POST" });
    expect(first.status).toBe(201);
    const again = await authedFetch(user.accessToken, `/api/v1/ml/models/${botId}/execute`, { method: "POST" });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { status: string }).status).toBe("duplicate");
    expect(
      (await authedFetch(other.accessToken, `/api/v1/ml/models/${botId}/execute`, { method: "POST" })).status,
    ).toBe(404);
    // The cycle for the same bar finds the manual decision.
    expect((await trigger(user.accessToken))[0]).toMatchObject({ outcome: "skipped", reason: "cooldown" });
    expect(await d1Trades(user.userId)).toHaveLength(1);

    const noPlan = await newUser();
    const b2 = await createBot(noPlan, {});
    await wireObject(noPlan.userId, async () => ({
      ok: true,
      prediction: {
        ...(await double.fn({} as never, { force: false }).then((r) => (r.ok ? r.prediction : null)))!,
        botId: b2,
        plan: null,
        direction: "HOLD",
        reason: "blocked by strategy",
      },
    }));
    const res = await authedFetch(noPlan.accessToken, `/api/v1/ml/models/${b2}/execute`, { method: "POST" });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe("no_plan");
  });
});
