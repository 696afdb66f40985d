// Market hours and the replay clock in workerd: the user's object replays USD/CHF (seed 1 starts on
// Thursday 1999-05-06 21:00 market time, at real speed); the test moves that clock through the
// replayed weekend and checks what predictions, cycles, candles and paper trades say and store.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CandlesResponseSchema } from "../../core/protocol/market-candles";
import { BotSchema } from "../../core/protocol/models-api";
import {
  ActivitiesResponseSchema,
  ExecutionResultSchema,
  TriggerResponseSchema,
} from "../../core/protocol/portfolio-api";
import { MarketClosedSchema } from "../../core/protocol/predict-api";
import { PredictionSchema } from "../../core/protocol/prediction";
import { SHIPPED_ENSEMBLE } from "../../durable-objects/prediction";
import type { UserBot } from "../../durable-objects/user-bot";
import { api, registerUser, type TestUser } from "./helpers";
import { userBot } from "./user-bot-stub";

async function marketNow(u: TestUser): Promise<number> {
  return runInDurableObject(userBot(u.userId), (i: UserBot) => i.replayClocks(u.userId)["USDCHF"]!);
}

/** Moves the user's replay clock so USDCHF market time is `to` (virtual time runs at real speed). */
async function moveReplayTo(u: TestUser, to: number): Promise<void> {
  const now = await marketNow(u);
  await runInDurableObject(userBot(u.userId), (_: UserBot, state) => {
    state.storage.sql.exec("UPDATE market_replay_clock SET real_start = real_start - ?", to - now);
  });
}

async function demoBot(u: TestUser): Promise<string> {
  const res = await api("/api/v1/ml/models", {
    method: "POST",
    token: u.accessToken,
    json: { name: "hours", symbol: "USDCHF", config: { ensemble: { models: SHIPPED_ENSEMBLE } } },
  });
  expect(res.status).toBe(201);
  const bot = BotSchema.parse(await res.json());
  expect(
    (await api(`/api/v1/ml/models/${bot.id}/shipped-models`, { method: "POST", token: u.accessToken })).status,
  ).toBe(201);
  expect((await api(`/api/v1/ml/models/${bot.id}/activate`, { method: "POST", token: u.accessToken })).status).toBe(
    200,
  );
  return bot.id;
}

const predict = async (u: TestUser, botId: string) => {
  const res = await api(`/api/v1/ml/models/${botId}/predict`, {
    method: "POST",
    token: u.accessToken,
    json: { force_refresh: true },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Record<string, unknown>;
};
const candles = async (u: TestUser) =>
  CandlesResponseSchema.parse(
    await (await api("/api/v1/market/candles?symbol=USDCHF&timeframe=30m&limit=5", { token: u.accessToken })).json(),
  );

describe("market hours on the replayed USD/CHF week (Monday 00:00 to Friday 24:00 as the data is stamped)", () => {
  it("a replayed weekend: predictions say market_closed (HTTP 200), cycles skip with that reason, bars stay fresh; Monday trades again", async () => {
    const u = await registerUser();
    const botId = await demoBot(u);
    expect(PredictionSchema.safeParse(await predict(u, botId)).success).toBe(true); // Thursday night: open

    await moveReplayTo(u, Date.UTC(1999, 4, 8, 6, 0)); // Saturday 06:00
    const closed = MarketClosedSchema.parse(await predict(u, botId));
    expect(closed).toMatchObject({
      status: "market_closed",
      bot_id: botId,
      symbol: "USDCHF",
      opens_at: Date.UTC(1999, 4, 10, 0, 0),
    });
    expect(Math.abs(closed.market_time - Date.UTC(1999, 4, 8, 6, 0))).toBeLessThan(60_000);

    const trig = await api("/api/v1/ml/auto-trading/trigger", { method: "POST", token: u.accessToken });
    const [result] = TriggerResponseSchema.parse(await trig.json()).results;
    expect(result).toMatchObject({ bot_id: botId, outcome: "skipped", reason: "market_closed" });
    const acts = ActivitiesResponseSchema.parse(
      await (await api("/api/v1/activities/recent?limit=5", { token: u.accessToken })).json(),
    ).activities;
    const skip = acts.find((a) => a.type === "skip")!;
    expect(skip.data).toMatchObject({ reason: "market_closed" });
    expect(skip.message).toMatch(/market is closed .* it opens at 1999-05-10T00:00:00.000Z/);
    // The activity is dated in market time (the replay clock), like every write of a paper bot on it.
    expect(Math.abs(skip.created_at - Date.UTC(1999, 4, 8, 6, 0))).toBeLessThan(60_000);

    // Friday's last bar is not aged by the weekend (before: "stale" for the whole weekend).
    const sat = await candles(u);
    expect(sat.bars.at(-1)!.time).toBe(Date.UTC(1999, 4, 7, 23, 30));
    expect(sat.fresh).toBe(true);

    await moveReplayTo(u, Date.UTC(1999, 4, 10, 1, 0)); // Monday 01:00
    const mon = await predict(u, botId);
    expect(PredictionSchema.parse(mon).barTime).toBe(Date.UTC(1999, 4, 8, 0, 0)); // decided on the 2h bar that closed the week
    expect((await candles(u)).fresh).toBe(true);
  });

  it("a paper trade on the replayed market is dated in market time: trade, position and activity", async () => {
    const u = await registerUser();
    await moveReplayTo(u, Date.UTC(1999, 4, 7, 10, 0)); // Friday 10:00 market time
    const at = await marketNow(u);
    const res = await api("/api/v1/trade", {
      method: "POST",
      token: u.accessToken,
      json: { side: "BUY", symbol: "USDCHF", volume: 0.1, client_order_id: "hours-1" },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const trade = ExecutionResultSchema.parse(await res.json()).trade!;
    for (const t of [trade.created_at, trade.opened_at!]) expect(Math.abs(t - at)).toBeLessThan(60_000);
    const positions = (await (await api("/api/v1/positions", { token: u.accessToken })).json()) as {
      positions: { opened_at: number }[];
    };
    expect(Math.abs(positions.positions[0]!.opened_at - at)).toBeLessThan(60_000);
    const acts = ActivitiesResponseSchema.parse(
      await (await api("/api/v1/activities/recent?limit=5", { token: u.accessToken })).json(),
    ).activities;
    expect(Math.abs(acts.find((a) => a.type === "trade")!.created_at - at)).toBeLessThan(60_000);
    // Still listed as recent: expiry runs on the wall clock.
    expect(acts.find((a) => a.type === "trade")!.expires_at).toBeGreaterThan(Date.now());
  });
});
