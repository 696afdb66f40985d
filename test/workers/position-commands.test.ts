// One position-command path: paper positions take close (full and partial), modify, stop loss and
// breakeven through the same API as connector positions, with client ids; partial closes record
// legs whose P&L sums to the trade's. Manual Execute passes the cycle's gates or carries override.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type TradeLeg, TradeViewSchema } from "../../core/protocol/events";
import { PositionCommandAcceptedSchema } from "../../core/protocol/position-commands";
import type { UserBot } from "../../durable-objects/user-bot";
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
import { authedFetch } from "./helpers";

const cmd = (token: string, id: string, verb: string, json: unknown) =>
  authedFetch(token, `/api/v1/positions/${id}/${verb}`, { method: "POST", json });
const setMid = (userId: string, mid: number) =>
  runInDurableObject(stubOf(userId), (i: UserBot) => {
    i.engine.core.quote = (s) => (s === SYMBOL ? { symbol: SYMBOL, mid, time: BAR0 + 120_000 } : null);
  });
const sum = (legs: readonly TradeLeg[]) => Math.round(legs.reduce((a, l) => a + l.pnl, 0) * 100) / 100;

describe("position commands on a paper position", () => {
  it("partial close -> modify -> stop-loss -> breakeven -> close: one API, idempotent by client_id, legs sum to the trade's P&L", async () => {
    const u = await newUser();
    await wireObject(u.userId, predictorDouble("none").fn);
    const opened = await authedFetch(u.accessToken, "/api/v1/trade", {
      method: "POST",
      json: { side: "BUY", symbol: SYMBOL, volume: 0.3, sl: 0.895, tp: 0.91, client_order_id: "pc-1" },
    });
    expect(opened.status).toBe(201);
    const { positions } = (await (await authedFetch(u.accessToken, "/api/v1/positions")).json()) as {
      positions: { id: string; volume: number }[];
    };
    const id = positions[0]!.id;

    // Partial close of 0.1 at the bid 0.89993: the position keeps 0.2, the trade gets a leg.
    const part = await cmd(u.accessToken, id, "close", { volume: 0.1, client_id: "part-1" });
    expect(part.status).toBe(200);
    const done = PositionCommandAcceptedSchema.parse(await part.json());
    expect(done).toMatchObject({ status: "done", kind: "close", position: { volume: 0.2, status: "open" } });
    expect(done.trade?.legs).toHaveLength(1);
    expect(done.trade?.legs?.[0]).toMatchObject({ volume: 0.1, price: 0.89993, reason: "manual" });
    // The same client id again: the first answer, nothing closed twice.
    const again = await cmd(u.accessToken, id, "close", { volume: 0.1, client_id: "part-1" });
    expect(again.status).toBe(200);
    expect(PositionCommandAcceptedSchema.parse(await again.json())).toMatchObject({
      duplicate: true,
      command_id: done.command_id,
    });
    const afterPart = (await (await authedFetch(u.accessToken, "/api/v1/positions")).json()) as {
      positions: { id: string; volume: number }[];
    };
    expect(afterPart.positions).toEqual([expect.objectContaining({ id, volume: 0.2 })]);
    // A client id reused for another command is a conflict.
    expect((await cmd(u.accessToken, id, "modify", { sl: 0.896, client_id: "part-1" })).status).toBe(409);

    const mod = await cmd(u.accessToken, id, "modify", { sl: 0.896, tp: 0.912 });
    expect(mod.status).toBe(200);
    expect(PositionCommandAcceptedSchema.parse(await mod.json()).position).toMatchObject({
      stop_loss: 0.896,
      take_profit: 0.912,
    });
    const sl = await cmd(u.accessToken, id, "stop-loss", { sl: 0.897 });
    expect(PositionCommandAcceptedSchema.parse(await sl.json()).position).toMatchObject({
      stop_loss: 0.897,
      take_profit: 0.912,
    });

    // Breakeven below the price is refused as MT5 would (SL at entry 0.90007 >= bid 0.89993): 422, nothing changes.
    const early = await cmd(u.accessToken, id, "breakeven", {});
    expect(early.status).toBe(422);
    expect(((await early.json()) as { error: { message: string } }).error.message).toMatch(
      /sl 0.90007 must be below bid/,
    );
    await setMid(u.userId, 0.9012); // bid 0.90113
    const be = await cmd(u.accessToken, id, "breakeven", { offset: 0.0001 });
    expect(be.status).toBe(200);
    expect(PositionCommandAcceptedSchema.parse(await be.json()).position).toMatchObject({ stop_loss: 0.90017 });

    expect((await cmd(u.accessToken, id, "cancel", {})).status).toBe(409); // a paper order never waits
    const close = await cmd(u.accessToken, id, "close", {});
    expect(close.status).toBe(200);
    const closed = PositionCommandAcceptedSchema.parse(await close.json());
    expect(closed.position).toMatchObject({ status: "closed", volume: 0.2 });
    const trade = TradeViewSchema.parse(closed.trade);
    expect(trade.status).toBe("closed");
    expect(trade.legs).toHaveLength(2);
    expect(trade.legs?.map((l) => l.volume)).toEqual([0.1, 0.2]);
    expect(trade.pnl).toBe(sum(trade.legs ?? []));
    expect(trade.pnl).toBeGreaterThan(0); // 0.2 closed at 0.90113 outweighs 0.1 at 0.89993

    // The D1 row carries the same legs and P&L; the account booked exactly that.
    const row = (await d1Trades(u.userId)).find((t) => t["client_order_id"] === "pc-1")!;
    expect(JSON.parse(row["legs"] as string)).toEqual(trade.legs);
    expect(row["pnl"]).toBe(trade.pnl);
    const status = (await (await authedFetch(u.accessToken, "/api/v1/portfolio/status")).json()) as {
      account: { balance: number };
      positions: unknown[];
    };
    expect(status.positions).toEqual([]);
    expect(status.account.balance).toBeCloseTo(10_000 + (trade.pnl ?? 0), 2);
    expect((await cmd(u.accessToken, id, "close", {})).status).toBe(404);
    const acts = (await d1Activities(u.userId)).map((a) => a.message);
    expect(acts.some((m) => /0.1 of 0.3 closed at 0.89993/.test(m))).toBe(true);
  });
});

describe("manual Execute passes the cycle's gates", () => {
  it("at max open positions it is refused with the gate's reason; override places it and is recorded", async () => {
    const u = await newUser();
    const botId = await createBot(u, { cooldownMinutes: 0 });
    const double = predictorDouble(botId);
    await wireObject(u.userId, double.fn);
    expect((await authedFetch(u.accessToken, `/api/v1/ml/models/${botId}/execute`, { method: "POST" })).status).toBe(
      201,
    );
    double.state.barTime += 30 * 60_000; // the next bar: a new plan, a new client id
    const refused = await authedFetch(u.accessToken, `/api/v1/ml/models/${botId}/execute`, { method: "POST" });
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { error: { message: string; details: { reason: string } } };
    expect(body.error.details.reason).toBe("max_open_positions");
    expect(body.error.message).toMatch(/max open positions: 1 open, limit is 1/);
    expect(await d1Trades(u.userId)).toHaveLength(1);

    // The same gate for an order placed by hand for the bot.
    const manual = await authedFetch(u.accessToken, "/api/v1/trade", {
      method: "POST",
      json: { side: "BUY", symbol: SYMBOL, volume: 0.1, client_order_id: "hand-1", bot_id: botId },
    });
    expect(manual.status).toBe(409);
    expect(((await manual.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe(
      "max_open_positions",
    );

    const forced = await authedFetch(u.accessToken, `/api/v1/ml/models/${botId}/execute`, {
      method: "POST",
      json: { override: true },
    });
    expect(forced.status).toBe(201);
    expect(((await forced.json()) as { trade: { override?: boolean } }).trade.override).toBe(true);
    const rows = await d1Trades(u.userId);
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r["override"])).toEqual([0, 1]);
    const acts = (await d1Activities(u.userId)).map((a) => a.message);
    expect(acts.some((m) => /with override past: max open positions/.test(m))).toBe(true);
  });
});
