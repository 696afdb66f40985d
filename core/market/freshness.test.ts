import { describe, expect, it } from "vitest";
import { SESSIONS } from "../instruments/sessions";
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

describe("checkFreshness in market time (sessions)", () => {
  it("FX: Friday's last 30m bar stays fresh over the weekend and goes stale 2 bars after Sunday's open without data", () => {
    const lastClose = Date.UTC(2026, 6, 10, 21, 0); // Friday 17:00 New York (EDT): the week's last bar
    const bars = [bar(lastClose - 30 * MIN)];
    const saturday = Date.UTC(2026, 6, 11, 12, 0);
    expect(checkFreshness(bars, "30m", saturday).fresh).toBe(false); // wall-clock rule: 15 h old
    expect(checkFreshness(bars, "30m", saturday, SESSIONS.fx).fresh).toBe(true);
    const open = Date.UTC(2026, 6, 12, 21, 0); // Sunday 17:00 New York
    expect(checkFreshness(bars, "30m", open + 59 * MIN, SESSIONS.fx).fresh).toBe(true); // one bar missed
    const stale = checkFreshness(bars, "30m", open + 60 * MIN, SESSIONS.fx);
    expect(stale).toMatchObject({ fresh: false, reason: "stale" });
    if (!stale.fresh) expect(stale.message).toMatch(/2 bars missed while the market was open/);
  });

  it("15m: the 5-minute rule only for a bar whose interval had the market open", () => {
    const lastClose = Date.UTC(2026, 6, 10, 21, 0);
    const bars = [bar(lastClose - 15 * MIN)];
    expect(checkFreshness(bars, "15m", lastClose + 40 * MIN, SESSIONS.fx).fresh).toBe(true); // Friday after the close
    const open = Date.UTC(2026, 6, 12, 21, 0);
    expect(checkFreshness(bars, "15m", open + 20 * MIN, SESSIONS.fx).fresh).toBe(true); // first bar 5 min late: ok
    expect(checkFreshness(bars, "15m", open + 20 * MIN + 1, SESSIONS.fx).fresh).toBe(false);
  });

  it("S&P 500 daily bars (stamped 00:00 UTC): Friday's bar is fresh on Monday; two missing session days are stale", () => {
    const friday = Date.UTC(2026, 6, 10);
    const bars = [bar(friday)]; // closes Saturday 00:00 UTC
    expect(checkFreshness(bars, "1d", Date.UTC(2026, 6, 13, 15, 0), SESSIONS.usIndexCash).fresh).toBe(true); // Monday
    expect(checkFreshness(bars, "1d", Date.UTC(2026, 6, 14, 15, 0), SESSIONS.usIndexCash).fresh).toBe(true); // Monday's bar missed
    expect(checkFreshness(bars, "1d", Date.UTC(2026, 6, 15, 0, 0), SESSIONS.usIndexCash).fresh).toBe(false); // and Tuesday's
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
