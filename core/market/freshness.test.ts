import { describe, expect, it } from "vitest";
import type { Bar } from "./bar";
import { checkFreshness, requireFresh } from "./freshness";
import { ReplayFeed } from "./replay";
import type { MarketDataResult } from "./source";

const MIN = 60_000;
const H = 60 * MIN;
const T = Date.UTC(2024, 0, 2, 12, 0);
const bar = (time: number): Bar => ({ time, open: 1, high: 1, low: 1, close: 1 });

describe("checkFreshness", () => {
  it("1h: fresh up to two intervals after the newest close, stale beyond", () => {
    const bars = [bar(T - H)]; // closes at T
    expect(checkFreshness(bars, "1h", T + 59 * MIN)).toMatchObject({ fresh: true, ageMs: 59 * MIN });
    expect(checkFreshness(bars, "1h", T + 2 * H)).toMatchObject({ fresh: true });
    const s = checkFreshness(bars, "1h", T + 2 * H + 1);
    expect(s).toMatchObject({ fresh: false, reason: "stale" });
    if (!s.fresh) expect(s.message).toMatch(/2024-01-02T12:00:00.000Z/);
  });

  it("15m: the 5-minute rule — the due bar may be at most 5 min late", () => {
    const bars = [bar(T - 15 * MIN)]; // closes at T
    expect(checkFreshness(bars, "15m", T + 14 * MIN).fresh).toBe(true); // next bar not due yet
    expect(checkFreshness(bars, "15m", T + 20 * MIN).fresh).toBe(true); // 15:00 due, 5 min late: ok
    const late = checkFreshness(bars, "15m", T + 20 * MIN + 1);
    expect(late).toMatchObject({ fresh: false, reason: "stale" });
    if (!late.fresh) expect(late.message).toMatch(/overdue/);
  });

  it("1m: the two-interval rule is the stricter one", () => {
    const bars = [bar(T - MIN)];
    expect(checkFreshness(bars, "1m", T + 2 * MIN).fresh).toBe(true);
    expect(checkFreshness(bars, "1m", T + 2 * MIN + 1).fresh).toBe(false);
  });

  it("no bars, and bars closing in the future, are refused", () => {
    expect(checkFreshness([], "1h", T)).toMatchObject({ fresh: false, reason: "no_data" });
    expect(checkFreshness([bar(T)], "1h", T)).toMatchObject({ fresh: false, reason: "from_future" });
  });
});

describe("requireFresh: stale data blocks a cycle with the reason", () => {
  it("replay past a weekend: the Monday-morning 30m data is stale, a cycle skips with the reason", async () => {
    // Real USDCHF-like weekday data: Friday bars, then nothing until Monday.
    const fri = Date.UTC(1999, 0, 8, 20, 0); // Friday
    const bars: Bar[] = [];
    for (let t = fri; t < Date.UTC(1999, 0, 9); t += 30 * MIN)
      bars.push({ time: t, open: 1.4, high: 1.41, low: 1.39, close: 1.405 });
    const feed = new ReplayFeed({ symbol: "USDCHF", bars, baseTimeframe: "30m", startIndex: 0, speed: 0 });
    feed.advance(Date.UTC(1999, 0, 9, 0, 0)); // Saturday 00:00: Friday 23:30 bar just closed
    const fresh = requireFresh(await feed.getBars({ symbol: "USDCHF", timeframe: "30m" }), feed.virtualNow());
    expect(fresh.ok).toBe(true);
    feed.advance(Date.UTC(1999, 0, 9, 6, 0));
    const skipped = requireFresh(await feed.getBars({ symbol: "USDCHF", timeframe: "30m" }), feed.virtualNow());
    expect(skipped).toMatchObject({ ok: false, reason: "stale", source: "replay" });
    if (!skipped.ok) expect(skipped.message).toMatch(/1999-01-09T00:00:00.000Z/);
  });

  it("passes failures through unchanged", () => {
    const failed: MarketDataResult = { ok: false, reason: "rate_limited", message: "429", source: "delta" };
    expect(requireFresh(failed, T)).toBe(failed);
  });
});
