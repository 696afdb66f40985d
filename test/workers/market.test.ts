import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Bar } from "../../core/market/bar";
import { checkFreshness } from "../../core/market/freshness";
import { ApiErrorSchema } from "../../core/protocol/errors";
import { CandlesResponseSchema } from "../../core/protocol/market-candles";
import { BarStore } from "../../durable-objects/market/bar-store";
import { MarketService } from "../../durable-objects/market/market-service";
import type { UserBot } from "../../durable-objects/user-bot";
import { api, authedFetch, registerUser } from "./helpers";
import { userBot } from "./user-bot-stub";

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const bar = (i: number, close = 100 + i): Bar => ({
  time: T0 + i * H,
  open: close,
  high: close + 1,
  low: close - 1,
  close,
  volume: i,
});
const stub = () => userBot(`market-test-${crypto.randomUUID()}`);

describe("BarStore inside the object's SQLite (workerd)", () => {
  it("upserts by time, keeps the newest N per key, keeps keys apart, refuses invalid bars", async () => {
    await runInDurableObject(stub(), async (_bot: UserBot, state) => {
      const store = new BarStore(state.storage.sql, (fn) => state.storage.transactionSync(fn), 5);
      const first = store.upsert(
        "BTCUSD",
        "1h",
        [0, 1, 2, 3].map((i) => bar(i)),
      );
      expect(first).toEqual({ written: 4, issues: [] });
      // Correction of bar 3 (last wins), 4 new bars, one invalid bar (high < close) refused.
      const r = store.upsert("BTCUSD", "1h", [bar(3, 50), bar(4), bar(5), bar(6), bar(7), { ...bar(8), high: 1 }]);
      expect(r.written).toBe(5);
      expect(r.issues.map((i) => i.code)).toEqual(["high_below_open_close"]);
      expect(store.count("BTCUSD", "1h")).toBe(5); // bounded: 0..2 trimmed
      expect(store.latest("BTCUSD", "1h", 10).map((b) => b.time)).toEqual([3, 4, 5, 6, 7].map((i) => T0 + i * H));
      expect(store.latest("BTCUSD", "1h", 2)).toEqual([bar(6), bar(7)]);
      expect(store.latest("BTCUSD", "1h", 10)[0]).toEqual(bar(3, 50));
      expect(store.newestTime("BTCUSD", "1h")).toBe(T0 + 7 * H);
      // Another key is independent; a bar without volume round-trips without one.
      store.upsert("BTCUSD", "4h", [{ time: T0, open: 1, high: 2, low: 0.5, close: 1.5 }]);
      expect(store.latest("BTCUSD", "4h", 10)).toEqual([{ time: T0, open: 1, high: 2, low: 0.5, close: 1.5 }]);
      expect(store.count("BTCUSD", "1h")).toBe(5);
      expect(store.newestTime("ETHUSD", "1h")).toBeUndefined();
    });
  });

  it("survives a new BarStore over the same storage (it is the object's SQLite, not memory)", async () => {
    const s = stub();
    await runInDurableObject(s, async (_bot: UserBot, state) => {
      new BarStore(state.storage.sql, (fn) => state.storage.transactionSync(fn)).upsert("USDCHF", "30m", [bar(1)]);
    });
    await runInDurableObject(s, async (_bot: UserBot, state) => {
      expect(
        new BarStore(state.storage.sql, (fn) => state.storage.transactionSync(fn)).latest("USDCHF", "30m", 5),
      ).toEqual([bar(1)]);
    });
  });
});

describe("MarketService: replay-seeded store", () => {
  it("seeds from the replay on first use, then appends only bars closed since (virtual clock persisted)", async () => {
    await runInDurableObject(stub(), async (_bot: UserBot, state) => {
      let now = Date.UTC(2026, 0, 1);
      const svc = new MarketService(state.storage, () => now);
      const first = await svc.getCandles("USDCHF", "1h", 300);
      expect(first.ok).toBe(true);
      if (!first.ok) return;
      expect(first.bars).toHaveLength(300);
      expect(svc.store.count("USDCHF", "1h")).toBe(2000);
      expect(first.bars.at(-1)!.time + H).toBeLessThanOrEqual(first.asOf);
      // Two real hours later at speed 1: the replay's newer closed hours appear (none across a weekend).
      now += 2 * H;
      const later = await new MarketService(state.storage, () => now).getCandles("USDCHF", "1h", 300);
      expect(later.ok && later.asOf - first.asOf).toBe(2 * H);
      if (later.ok) expect(later.bars.at(-1)!.time).toBeGreaterThanOrEqual(first.bars.at(-1)!.time);
      expect(svc.store.count("USDCHF", "1h")).toBe(2000); // still bounded
    });
  });

  it("clear reasons: unknown symbol, timeframe the data cannot make", async () => {
    await runInDurableObject(stub(), async (_bot: UserBot, state) => {
      const svc = new MarketService(state.storage);
      expect(await svc.getCandles("NOPE", "1h", 10)).toMatchObject({ ok: false, reason: "unknown_symbol" });
      expect(await svc.getCandles("USDCHF", "15m", 10)).toMatchObject({ ok: false, reason: "unsupported_timeframe" });
      expect(await svc.getCandles("SPX500", "4h", 10)).toMatchObject({ ok: false, reason: "unsupported_timeframe" });
    });
  });

  it("bars the connector stored for a non-replay symbol are served, with their freshness", async () => {
    await runInDurableObject(stub(), async (_bot: UserBot, state) => {
      const now = T0 + 10 * H;
      const svc = new MarketService(state.storage, () => now);
      svc.store.upsert("EURUSD", "1h", [bar(5), bar(6)]); // newest closes at 7h: 3 h old > 2 intervals
      const r = await svc.getCandles("EURUSD", "1h", 10);
      expect(r).toMatchObject({ ok: true, source: "store", freshness: { fresh: false, reason: "stale" } });
    });
  });
});

describe("GET /api/v1/market/candles", () => {
  it("serves validated closed bars from the caller's object, seeded from replay", async () => {
    const user = await registerUser();
    const res = await authedFetch(user.accessToken, "/api/v1/market/candles?symbol=USDCHF&timeframe=4h&limit=250");
    expect(res.status).toBe(200);
    const body = CandlesResponseSchema.parse(await res.json());
    expect(body).toMatchObject({ symbol: "USDCHF", timeframe: "4h", source: "replay" });
    expect(body.bars).toHaveLength(250);
    for (let i = 1; i < body.bars.length; i++) {
      const b = body.bars[i]!;
      expect(b.time).toBeGreaterThan(body.bars[i - 1]!.time);
      expect(b.time % (4 * H)).toBe(0);
      expect(b.high).toBeGreaterThanOrEqual(Math.max(b.open, b.close));
      expect(b.low).toBeLessThanOrEqual(Math.min(b.open, b.close));
    }
    expect(body.bars.at(-1)!.time + 4 * H).toBeLessThanOrEqual(body.asOf);
    expect(body.fresh).toBe(checkFreshness(body.bars, "4h", body.asOf).fresh);
    // The same user's object has stored them: it answers from SQLite.
    await runInDurableObject(userBot(user.userId), async (_bot: UserBot, state) => {
      expect(new BarStore(state.storage.sql, (fn) => state.storage.transactionSync(fn)).count("USDCHF", "4h")).toBe(
        2000,
      );
    });
    const daily = await authedFetch(user.accessToken, "/api/v1/market/candles?symbol=SPX500&timeframe=1d");
    expect(daily.status).toBe(200);
    expect(CandlesResponseSchema.parse(await daily.json()).bars).toHaveLength(200); // default limit
  });

  it("rejects bad params with 400 and the error shape; unknown symbol 404; no token 401", async () => {
    const user = await registerUser();
    for (const q of [
      "symbol=USDCHF&timeframe=3h",
      "timeframe=1h",
      "symbol=USDCHF&timeframe=1h&limit=0",
      "symbol=USDCHF&timeframe=1h&limit=abc",
      "symbol=US%20CHF&timeframe=1h",
      "symbol=USDCHF&timeframe=15m",
    ]) {
      const res = await authedFetch(user.accessToken, `/api/v1/market/candles?${q}`);
      expect(res.status, q).toBe(400);
      expect(ApiErrorSchema.safeParse(await res.json()).success).toBe(true);
    }
    const unknown = await authedFetch(user.accessToken, "/api/v1/market/candles?symbol=NOPE&timeframe=1h");
    expect(unknown.status).toBe(404);
    expect((await unknown.json()) as unknown).toMatchObject({ error: { code: "not_found" } });
    expect((await api("/api/v1/market/candles?symbol=USDCHF&timeframe=1h")).status).toBe(401);
  });
});
