// The Delta market object inside workerd against the local Delta server (a real socket and real HTTP,
// started by delta-sim.global-setup.ts: 1m candles at 60x). One market object per symbol+timeframe
// holds the upstream socket; user objects subscribe and get each closed bar pushed.
import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import type { Bar } from "../../core/market/bar";
import { DeltaCandlesResponseSchema } from "../../core/market/delta";
import { deltaMarket, userObject } from "../../platform/object-address";

const SIM = inject("deltaSimUrl");
const MIN = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const market = (symbol: string) => deltaMarket(env, symbol, "1m");
const sim = (path: string) => fetch(`${SIM}/__sim/${path}`, { method: "POST" }).then((r) => r.json());

/** The server's candles for [from, to] (open times), over its public REST API: the truth. */
async function serverCandles(symbol: string, from: number, to: number): Promise<Bar[]> {
  const res = await fetch(
    `${SIM}/v2/history/candles?resolution=1m&symbol=${symbol}&start=${from / 1000}&end=${to / 1000}`,
  );
  const body = DeltaCandlesResponseSchema.parse(await res.json());
  return body.result.map((c) => ({
    time: c.time * 1000,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume ?? undefined,
  })) as Bar[];
}

/** Waits until the user's newest stored bar is at least `time`. */
async function until(read: () => Promise<Bar[]>, time: number): Promise<Bar[]> {
  for (let i = 0; i < 150; i++) {
    const bars = await read();
    if ((bars.at(-1)?.time ?? 0) >= time) return bars;
    await sleep(100);
  }
  return read();
}

describe("Delta market object (workerd) against the local Delta server", () => {
  it("two users share one upstream; after a dropped socket, a gap and malformed frames both hold exactly the server's candles", async () => {
    const a = userObject(env, `delta-a-${crypto.randomUUID()}`);
    const b = userObject(env, `delta-b-${crypto.randomUUID()}`);
    const ra = await a.getCandles("BTCUSD", "1m", 300);
    expect(ra.ok).toBe(true);
    if (!ra.ok) return;
    expect(ra.source).toBe("delta");
    expect(ra.bars.length).toBe(300);
    expect(ra.freshness.fresh).toBe(true);
    const rb = await b.getCandles("BTCUSD", "1m", 300);
    expect(rb.ok).toBe(true);
    const m = market("BTCUSD");
    const s0 = (await m.status())!;
    expect(s0.subscribers).toBe(2);
    expect(s0.connected).toBe(true);

    // Live bars arrive by push (no subscribe call in between).
    const newest = ra.bars.at(-1)!.time;
    await until(async () => await m.bars(5), newest + 2 * MIN);

    await sim("drop");
    await sleep(2500); // the object backs off 1 s, candles keep closing meanwhile
    await sim("gap?bars=3");
    await sim("malformed?count=4");
    await sleep(6000);
    // Once the stream is whole again: a closed candle repeated, and an older one after a newer one.
    await sim("duplicate?count=1");
    await sim("out-of-order?count=1");
    await sleep(2500);
    await m.settled();
    const s1 = (await m.status())!;
    expect(s1.reconnects).toBeGreaterThanOrEqual(1);
    expect(s1.gaps).toBeGreaterThanOrEqual(2); // the reconnect and the three skipped candles
    expect(s1.backfilled).toBeGreaterThanOrEqual(4);
    expect(s1.malformed).toBe(4);
    expect(s1.stale).toBeGreaterThanOrEqual(2);
    expect(s1.pendingGaps).toBe(0);
    expect(s1.fanoutErrors).toBe(0);

    const last = s1.lastClosed!;
    if (!rb.ok) return;
    for (const [user, first] of [
      [a, ra.bars[0]!.time],
      [b, rb.bars[0]!.time],
    ] as const) {
      const r = await user.getCandles("BTCUSD", "1m", 2000);
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      const mine = r.bars.filter((x) => x.time >= first && x.time <= last);
      const truth = await serverCandles("BTCUSD", first, last);
      expect(mine.map((x) => x.time)).toEqual(truth.map((x) => x.time)); // no gap, no duplicate, in order
      expect(mine).toEqual(truth);
    }
  });

  it("a 429 on the back-fill is waited out (X-RATE-LIMIT-RESET) and the hole is still filled", async () => {
    const u = userObject(env, `delta-c-${crypto.randomUUID()}`);
    const r = await u.getCandles("ETHUSD", "1m", 200);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const m = market("ETHUSD");
    const before = (await sim("stats")) as { rateLimited: number };
    await sim("rate-limit?count=1&reset_ms=700");
    await sim("gap?bars=2");
    await sleep(5000);
    await m.settled();
    const after = (await sim("stats")) as { rateLimited: number };
    expect(after.rateLimited).toBe(before.rateLimited + 1);
    const s = (await m.status())!;
    expect(s.pendingGaps).toBe(0);
    const all = await u.getCandles("ETHUSD", "1m", 2000);
    expect(all.ok).toBe(true);
    if (!all.ok) return;
    const first = r.bars[0]!.time;
    const mine = all.bars.filter((x) => x.time >= first && x.time <= s.lastClosed!);
    expect(mine).toEqual(await serverCandles("ETHUSD", first, s.lastClosed!));
  });

  it("a symbol Delta does not list is refused, nothing subscribed", async () => {
    const u = userObject(env, `delta-d-${crypto.randomUUID()}`);
    const r = await u.getCandles("DOGEUSD", "1m", 10);
    expect(r).toMatchObject({ ok: false, reason: "unknown_symbol" });
  });
});
