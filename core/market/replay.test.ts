import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseBarsCsv } from "./csv";
import { ReplayFeed, seededStartIndex } from "./replay";
import { resample } from "./resample";
import { validateBars } from "./validate";

const usdchf = parseBarsCsv(
  readFileSync(fileURLToPath(new URL("../../models/data/usdchf_30m.csv", import.meta.url)), "utf8"),
).bars;
const M30 = 1_800_000;

/** A real clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, tick: (ms: number) => void (t += ms) };
}

describe("ReplayFeed over the real USDCHF 30m data", () => {
  it("same seed + speed + clock readings -> same start and same bars; another seed -> another start", async () => {
    const run = async (seed: number) => {
      const clock = manualClock();
      const feed = new ReplayFeed({
        symbol: "USDCHF",
        bars: usdchf,
        baseTimeframe: "30m",
        seed,
        speed: 60,
        realNow: clock.now,
      });
      const seen: number[][] = [];
      for (let i = 0; i < 5; i++) {
        clock.tick(60_000); // 1 real minute = 1 virtual hour at speed 60
        const r = await feed.getBars({ symbol: "USDCHF", timeframe: "1h", count: 3 });
        if (!r.ok) throw new Error(r.message);
        seen.push(r.bars.map((b) => b.time));
      }
      return { start: feed.virtualStart, end: feed.virtualNow(), seen };
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(7);
    expect(b).toEqual(a);
    expect(c.start).not.toBe(a.start);
    expect(a.end - a.start).toBe(5 * 3_600_000); // 5 real minutes at speed 60 = 5 virtual hours
    // The newest visible 1h bar is always the last one closed by virtual now.
    expect(a.seen.every((s) => s.length === 3)).toBe(true);
  });

  it("a seed leaves the required history before the start", () => {
    for (const seed of [0, 1, 2, 99, 123456]) {
      const i = seededStartIndex(usdchf.length, seed, 2000);
      expect(i).toBeGreaterThanOrEqual(2000);
      expect(i).toBeLessThan(usdchf.length - 2000);
    }
  });

  it("never shows a bar before its close; advance() moves forward only", () => {
    const clock = manualClock();
    const feed = new ReplayFeed({
      symbol: "USDCHF",
      bars: usdchf,
      baseTimeframe: "30m",
      startIndex: 5000,
      speed: 0,
      realNow: clock.now,
    });
    const start = feed.virtualStart;
    expect(start).toBe(usdchf[5000]!.time + M30);
    expect(feed.barsUpTo(start).at(-1)).toEqual(usdchf[5000]);
    expect(feed.barsUpTo(start + M30 - 1).at(-1)).toEqual(usdchf[5000]);
    clock.tick(10 * 60_000);
    expect(feed.virtualNow()).toBe(start); // speed 0: only advance() moves it
    feed.advance(start + M30);
    expect(feed.barsUpTo(feed.virtualNow()).at(-1)).toEqual(usdchf[5001]);
    feed.advance(start); // backwards is ignored
    expect(feed.virtualNow()).toBe(start + M30);
  });

  it("coarse bars at virtual now equal resampling the visible 30m bars (no look-ahead)", () => {
    const feed = new ReplayFeed({ symbol: "USDCHF", bars: usdchf, baseTimeframe: "30m", startIndex: 20_000, speed: 0 });
    for (const extra of [0, 7 * M30, 13 * M30 + 5, 200 * M30]) {
      const now = feed.virtualStart + extra;
      const visible = feed.barsUpTo(now);
      for (const tf of ["1h", "4h", "1d"] as const) {
        expect(feed.barsUpTo(now, tf)).toEqual(resample(visible, "30m", tf, { asOf: now }).bars);
      }
    }
  });

  it("returns validated bars and clear reasons for what it cannot serve", async () => {
    const feed = new ReplayFeed({ symbol: "USDCHF", bars: usdchf, baseTimeframe: "30m", seed: 3, speed: 0 });
    const ok = await feed.getBars({ symbol: "USDCHF", timeframe: "4h", count: 250 });
    expect(ok.ok).toBe(true);
    if (ok.ok) {
      expect(ok.bars).toHaveLength(250);
      expect(validateBars(ok.bars).issues).toEqual([]);
      expect(ok.bars.at(-1)!.time + 4 * 3_600_000).toBeLessThanOrEqual(feed.virtualNow());
    }
    expect(await feed.getBars({ symbol: "EURUSD", timeframe: "1h" })).toMatchObject({
      ok: false,
      reason: "unknown_symbol",
    });
    expect(await feed.getBars({ symbol: "USDCHF", timeframe: "15m" })).toMatchObject({
      ok: false,
      reason: "unsupported_timeframe",
    });
    expect(await feed.getBars({ symbol: "USDCHF", timeframe: "1h", end: usdchf[0]!.time - 1 })).toMatchObject({
      ok: false,
      reason: "no_data",
    });
  });
});
