// The engine's execution, persistence and events inside the user's object (workerd, real D1/DO).
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Bar } from "../../core/market/bar";
import { UserEventSchema } from "../../core/protocol/events";
import { PortfolioStatusSchema, TradesHistoryResponseSchema } from "../../core/protocol/portfolio-api";
import { Engine } from "../../durable-objects/engine";
import { EVENT_LOG_HARD_MAX, EVENT_LOG_MAX } from "../../durable-objects/engine/event-log";
import type { UserBot } from "../../durable-objects/user-bot";
import {
  BAR0,
  d1Activities,
  d1Trades,
  newUser,
  openSocket,
  predictorDouble,
  SYMBOL,
  stubOf,
  wireObject,
} from "./engine-fixtures";
import { authedFetch } from "./helpers";

const T = BAR0 + 60_000; // quote time the fixtures fill at
const HALF = 30 * 60_000;

function order(side: "BUY" | "SELL", id: string, extra: Record<string, unknown> = {}) {
  return { side, symbol: SYMBOL, volume: 0.1, client_order_id: id, ...extra };
}

async function trade(token: string, body: unknown) {
  return authedFetch(token, "/api/v1/trade", { method: "POST", json: body });
}

async function bar(userId: string, time: number, o: number, h: number, l: number, c: number) {
  return runInDurableObject(stubOf(userId), (i: UserBot) =>
    i.engine.core.processBar({ symbol: SYMBOL, time, open: o, high: h, low: l, close: c }),
  );
}

async function flush(userId: string) {
  return runInDurableObject(stubOf(userId), (i: UserBot) => i.engine.core.flush());
}

describe("paper execution in the object", () => {
  it("manual trade fills once per client order id; bad input is a 400 and changes nothing", async () => {
    const u = await newUser();
    await wireObject(u.userId, predictorDouble("none").fn);
    const first = await trade(u.accessToken, order("BUY", "m-1", { sl: 0.895, tp: 0.91 }));
    expect(first.status).toBe(201);
    const again = await trade(u.accessToken, order("BUY", "m-1", { sl: 0.895, tp: 0.91 }));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { status: string }).status).toBe("duplicate");
    expect((await trade(u.accessToken, { side: "BUY", symbol: SYMBOL, client_order_id: "m-2" })).status).toBe(400); // no volume
    expect((await trade(u.accessToken, order("BUY", "m-3", { sl: 0.92, tp: 0.91 }))).status).toBe(400); // sl above tp
    const wrongSide = await trade(u.accessToken, order("BUY", "m-4", { sl: 0.9005 })); // SL above the bid: the account refuses
    expect(wrongSide.status).toBe(422);
    expect(await d1Trades(u.userId)).toEqual([
      expect.objectContaining({ client_order_id: "m-1", status: "open", entry_price: 0.90007 }),
      expect.objectContaining({ client_order_id: "m-4", status: "rejected" }),
    ]);

    const status = PortfolioStatusSchema.parse(
      await (await authedFetch(u.accessToken, "/api/v1/portfolio/status")).json(),
    );
    expect(status.account.open_positions).toBe(1);
    expect(status.positions[0]).toMatchObject({
      symbol: SYMBOL,
      side: "BUY",
      entry_price: 0.90007,
      stop_loss: 0.895,
      take_profit: 0.91,
    });
    const hist = TradesHistoryResponseSchema.parse(
      await (await authedFetch(u.accessToken, "/api/v1/trades/history?limit=1&status=open")).json(),
    );
    expect(hist.trades.map((t) => t.client_order_id)).toEqual(["m-1"]);
    expect(hist.next_cursor).toBeNull();
  });

  it("SL, TP, trailing and breakeven close positions at the right prices on hand-made bars", async () => {
    const u = await newUser();
    await wireObject(u.userId, predictorDouble("none").fn);
    // USDCHF: 14-point spread -> bid = mid - 0.00007, ask = mid + 0.00007. BUY fills at ask 0.90007.
    expect((await trade(u.accessToken, order("BUY", "sl-1", { sl: 0.895, tp: 0.91 }))).status).toBe(201);
    expect((await trade(u.accessToken, order("SELL", "tp-1", { sl: 0.91, tp: 0.89 }))).status).toBe(201);
    expect(
      (await trade(u.accessToken, order("BUY", "be-1", { breakeven: { trigger_points: 100, lock_points: 20 } })))
        .status,
    ).toBe(201);
    expect((await trade(u.accessToken, order("BUY", "tr-1", { trailing_stop: { distance_points: 200 } }))).status).toBe(
      201,
    );

    // Bar 1: bid high 0.90243 -> breakeven at 0.90027, trailing to 0.90043; nothing hits.
    expect(await bar(u.userId, T + HALF, 0.9, 0.9025, 0.8996, 0.9001)).toHaveLength(2);
    // Bar 2: opens above both moved stops (bid 0.90053), bid low 0.89543: breakeven 0.90027 and trailing 0.90043 fill; SL 0.895 holds.
    await bar(u.userId, T + 2 * HALF, 0.9006, 0.9007, 0.8955, 0.8958);
    // Bar 3: bid low 0.88953 <= SL 0.895 (BUY), ask low 0.88967 <= TP 0.89 (SELL).
    await bar(u.userId, T + 3 * HALF, 0.8958, 0.896, 0.8896, 0.89);
    await flush(u.userId);
    const byId = Object.fromEntries((await d1Trades(u.userId)).map((t) => [t.client_order_id, t]));
    expect(byId["be-1"]).toMatchObject({ status: "closed", reason: "breakeven", exit_price: 0.90027 });
    expect(byId["tr-1"]).toMatchObject({ status: "closed", reason: "trailing", exit_price: 0.90043 });
    expect(byId["tp-1"]).toMatchObject({ status: "closed", reason: "tp", exit_price: 0.89 });
    expect(byId["sl-1"]).toMatchObject({ status: "closed", reason: "sl", exit_price: 0.895 });
    // 0.1 lot USDCHF: (0.895 - 0.90007) * 10,000 CHF / 0.895 = -56.65 USD, minus 2 x 0.35 commission
    expect(byId["sl-1"]!["pnl"]).toBeCloseTo(-57.35, 2);
    const positions = (await (await authedFetch(u.accessToken, "/api/v1/positions")).json()) as {
      positions: unknown[];
    };
    expect(positions.positions).toEqual([]);
    const daily = (await (await authedFetch(u.accessToken, "/api/v1/analytics/daily")).json()) as {
      totals: { trades: number; win_rate: number };
    };
    expect(daily.totals.trades).toBe(4);
  });
});

describe("bar checks (live SL/TP follows the backtester's rule)", () => {
  it("a position opened mid-bar is checked on that bar once it closes, never on a bar before its entry", async () => {
    const u = await newUser();
    // Hand-made closed 30m bars, keyed by OPEN time. The one before the entry hits both stops of
    // the BUY (SL first, if it were checked); the entry bar reaches the BUY's TP only; the next
    // bar reaches the SELL's TP.
    const bars: Bar[] = [
      { time: BAR0 - HALF, open: 0.9, high: 0.95, low: 0.85, close: 0.9 },
      { time: BAR0, open: 0.9, high: 0.9105, low: 0.8995, close: 0.9 },
      { time: BAR0 + HALF, open: 0.9, high: 0.9005, low: 0.8895, close: 0.89 },
    ];
    const result = await runInDurableObject(stubOf(u.userId), async (_i: UserBot, state) => {
      let clock = BAR0 + 60_000;
      const engine = new Engine({
        ctx: state,
        env,
        clock: () => clock,
        quote: (s) => (s === SYMBOL ? { symbol: s, mid: 0.9, time: clock } : null),
        newBars: async (_s, after) => bars.filter((b) => b.time + HALF <= clock && b.time > after),
        barMs: () => HALF,
        loadBots: async () => [],
      });
      engine.core.bindUser(u.userId);
      const open = (side: "BUY" | "SELL", id: string, sl: number, tp: number) =>
        engine.core.write((tx) =>
          engine.core.execute(tx, order(side, id, { sl, tp }), { botId: null, target: "paper", source: "manual" }),
        ).status;
      const view = (id: string) => engine.core.book.byClientOrderId(id)!.trade;

      // BUY one minute into bar BAR0; no mark yet (first check of the symbol).
      expect(open("BUY", "mid-1", 0.895, 0.91)).toBe("filled");
      clock = BAR0 + HALF - 1; // entry bar still forming: nothing to check
      await engine.checkPositions();
      expect(view("mid-1").status).toBe("open");
      clock = BAR0 + HALF; // entry bar closed
      await engine.checkPositions();
      const buy = view("mid-1");
      // bid high 0.91043 >= TP 0.91 on the entry bar; the earlier bar's SL-first range is not used.
      expect(buy).toMatchObject({ status: "closed", reason: "tp", exit_price: 0.91 });

      // SELL one minute into bar BAR0+HALF, with the symbol's mark at BAR0 from the check above.
      clock = BAR0 + HALF + 60_000;
      expect(open("SELL", "mid-2", 0.92, 0.89)).toBe("filled");
      clock = BAR0 + 2 * HALF;
      await engine.checkPositions();
      // ask low 0.88957 <= TP 0.89 on its entry bar.
      expect(view("mid-2")).toMatchObject({ status: "closed", reason: "tp", exit_price: 0.89 });
      return engine.core.paper.engine.positions().length;
    });
    expect(result).toBe(0);
  });
});

describe("outbox", () => {
  it("retries a failed D1 write and loses nothing", async () => {
    const u = await newUser();
    await wireObject(u.userId, predictorDouble("none").fn);
    await env.DB.exec("ALTER TABLE trades RENAME TO trades_offline");
    try {
      expect((await trade(u.accessToken, order("BUY", "ob-1"))).status).toBe(201); // the object committed it
      const stats = await runInDurableObject(stubOf(u.userId), (i: UserBot) => i.engine.core.outbox.stats(Date.now()));
      expect(stats.pending).toBeGreaterThan(0);
      const failing = await runInDurableObject(stubOf(u.userId), async (i: UserBot) => {
        i.engine.core.clock = () => Date.now() + 60_000; // past the backoff
        return i.engine.core.flush();
      });
      expect(failing.failed).toBeGreaterThan(0);
      expect(failing.error).toMatch(/trades/);
    } finally {
      await env.DB.exec("ALTER TABLE trades_offline RENAME TO trades");
    }
    expect(await d1Trades(u.userId)).toHaveLength(0);
    // The alarm (retry path) writes it once D1 is back.
    await runInDurableObject(stubOf(u.userId), (i: UserBot) => {
      i.engine.core.clock = () => Date.now() + 10 * 60_000;
    });
    expect(await runDurableObjectAlarm(stubOf(u.userId))).toBe(true);
    expect(await d1Trades(u.userId)).toEqual([expect.objectContaining({ client_order_id: "ob-1", status: "open" })]);
    const acts = await d1Activities(u.userId);
    expect(acts.some((a) => a.type === "trade")).toBe(true);
    const after = await runInDurableObject(stubOf(u.userId), (i: UserBot) => i.engine.core.outbox.stats(Date.now()));
    expect(after).toMatchObject({ pending: 0, dead: 0 });
  });
});

describe("browser events", () => {
  it("a socket that drops and reconnects with since misses nothing; another user's socket receives nothing", async () => {
    const u = await newUser();
    const other = await newUser();
    await wireObject(u.userId, predictorDouble("none").fn);
    const spy = await openSocket(other.accessToken);
    expect((await spy.next()).type).toBe("welcome");

    const a = await openSocket(u.accessToken, 0);
    expect((await a.next()).type).toBe("welcome");
    expect((await trade(u.accessToken, order("BUY", "ev-1"))).status).toBe(201);
    const seen = await a.until((f) => f.type === "activity");
    const lastSeen = seen.at(-1)!.seq!;
    a.ws.close(1000, "drop");

    // Missed while disconnected.
    expect((await trade(u.accessToken, order("SELL", "ev-2"))).status).toBe(201);
    const b = await openSocket(u.accessToken, lastSeen);
    expect((await b.next()).type).toBe("welcome");
    expect((await trade(u.accessToken, order("BUY", "ev-3"))).status).toBe(201);
    const frames = await b.until(
      (f) => f.type === "trade" && (f as { data?: { client_order_id?: string } }).data?.client_order_id === "ev-3",
    );
    const seqs = frames.map((f) => UserEventSchema.parse(f).seq);
    expect(seqs[0]).toBe(lastSeen + 1);
    seqs.forEach((s, i) => expect(s).toBe(lastSeen + 1 + i)); // contiguous: nothing missed, nothing twice
    expect(
      frames.some(
        (f) =>
          f.type === "trade" && (f as unknown as { data: { client_order_id: string } }).data.client_order_id === "ev-2",
      ),
    ).toBe(true);

    // The other user's socket: the next frame after all that is the answer to its own ping.
    spy.ws.send(JSON.stringify({ type: "ping", id: "p" }));
    expect(await spy.next()).toMatchObject({ type: "pong", id: "p" });
    // A since older than the bounded log asks for a resync.
    await runInDurableObject(stubOf(u.userId), (i: UserBot) =>
      i.engine.core.sql.exec("DELETE FROM engine_events WHERE seq <= 3"),
    );
    const c = await openSocket(u.accessToken, 1);
    expect((await c.next()).type).toBe("welcome");
    expect(await c.next()).toMatchObject({ type: "resync_required", since: 1, oldest_seq: 4 });
    for (const s of [spy, b, c]) s.ws.close(1000, "done");
  });

  it("trimming keeps what a connected browser has not acked; past the hard cap it tells that browser exactly which event types to reload", async () => {
    const u = await newUser();
    const stub = stubOf(u.userId);
    const insert = (n: number, type: string) =>
      runInDurableObject(stub, (i: UserBot) => {
        i.engine.core.sql.exec(
          `WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < ?)
           INSERT INTO engine_events (type, at, data) SELECT ?, 0, '{}' FROM n`,
          n,
          type,
        );
        i.engine.core.log.trim();
        return {
          oldest: i.engine.core.sql.exec<{ s: number }>(`SELECT MIN(seq) AS s FROM engine_events`).one().s,
          latest: i.engine.core.log.latestSeq(),
        };
      });
    const a = await openSocket(u.accessToken); // no since: it has loaded state; acked = the log's latest
    expect((await a.next()).type).toBe("welcome");
    const synced = async (s: typeof a, id: string) => {
      s.ws.send(JSON.stringify({ type: "ping", id }));
      return s.until((f) => f.type === "pong" && f["id"] === id);
    };
    const start = (await insert(0, "activity")).latest;

    // 6,000 events the browser has not acked: all kept although the log's soft size is 5,000.
    let log = await insert(6_000, "activity");
    expect(log.oldest).toBeLessThanOrEqual(start + 1);
    // It acks 3,000 of them: trimming goes back to the soft size (the rest stay, it has them too).
    a.ws.send(JSON.stringify({ type: "ack", seq: start + 3_000 }));
    await synced(a, "p1");
    log = await insert(100, "activity");
    expect(log.oldest).toBe(log.latest - EVENT_LOG_MAX + 1);

    // A second browser resumes from an older seq it still has; then far more than the hard cap arrives.
    const b = await openSocket(u.accessToken, log.oldest);
    const bAcked = log.oldest;
    expect((await b.next()).type).toBe("welcome");
    await insert(10, "POSITIONS_UPDATED");
    log = await insert(EVENT_LOG_HARD_MAX, "activity");
    expect(log.oldest).toBe(log.latest - EVENT_LOG_HARD_MAX + 1);
    const notice = (await b.until((f) => f.type === "resync_required")).at(-1)!;
    expect(notice).toMatchObject({ type: "resync_required", since: bAcked, oldest_seq: log.oldest });
    expect(notice["reload"]).toEqual(["POSITIONS_UPDATED", "activity"]);
    // The first browser acked start+3,000, also behind the cut: told too, and only once.
    expect((await a.until((f) => f.type === "resync_required"))[0]).toMatchObject({ since: start + 3_000 });
    await insert(200, "activity");
    const after = await synced(a, "p2");
    expect(after.some((f) => f.type === "resync_required")).toBe(false);
    for (const s of [a, b]) s.ws.close(1000, "done");
  });

  it("refuses a malformed since", async () => {
    const u = await newUser();
    const { exports } = await import("cloudflare:workers");
    const res = await exports.default.fetch("http://example.com/ws?since=-4", {
      headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": `edgetrader.v1, bearer.${u.accessToken}` },
    });
    expect(res.status).toBe(400);
  });
});
