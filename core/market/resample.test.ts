import { describe, expect, it } from "vitest";
import type { Bar } from "./bar";
import { resample } from "./resample";

const T0 = Date.UTC(2024, 0, 2, 0, 0); // a Tuesday 00:00 UTC
const M30 = 30 * 60_000;
const bar = (i: number, o: number, h: number, l: number, c: number, v?: number): Bar => ({
  time: T0 + i * M30,
  open: o,
  high: h,
  low: l,
  close: c,
  ...(v === undefined ? {} : { volume: v }),
});

describe("resample 30m -> 1h / 4h (hand-checked)", () => {
  // 00:00..03:30 fill the first 4h bucket; 04:00 opens the second (forming) one.
  const input: Bar[] = [
    bar(0, 10, 12, 9, 11, 100),
    bar(1, 11, 13, 10, 12, 50),
    bar(2, 12, 12.5, 11, 11.5, 20),
    bar(3, 11.5, 14, 11.4, 13, 30),
    bar(4, 13, 13, 8, 9, 10),
    bar(5, 9, 10, 8.5, 10, 10),
    bar(6, 10, 11, 9.5, 10.5, 5),
    bar(7, 10.5, 10.8, 10.1, 10.2, 5),
    bar(8, 10.2, 10.4, 10, 10.3, 1),
  ];

  it("1h: pairs aggregate to first/max/min/last/sum; the forming 04:00 hour is not emitted", () => {
    const { bars, issues } = resample(input, "30m", "1h");
    expect(issues).toEqual([]);
    expect(bars).toEqual([
      { time: T0, open: 10, high: 13, low: 9, close: 12, volume: 150 },
      { time: T0 + 2 * M30, open: 12, high: 14, low: 11, close: 13, volume: 50 },
      { time: T0 + 4 * M30, open: 13, high: 13, low: 8, close: 10, volume: 20 },
      { time: T0 + 6 * M30, open: 10, high: 11, low: 9.5, close: 10.2, volume: 10 },
    ]);
  });

  it("4h: one closed bar 00:00-04:00; the 04:00 bucket with one sub-bar is excluded", () => {
    const { bars } = resample(input, "30m", "4h");
    expect(bars).toEqual([{ time: T0, open: 10, high: 14, low: 8, close: 10.2, volume: 230 }]);
  });

  it("asOf at/after the bucket close emits it; before the close does not", () => {
    const close2 = T0 + 8 * M30 + 4 * 3_600_000;
    expect(resample(input, "30m", "4h", { asOf: close2 - 1 }).bars).toHaveLength(1);
    const { bars } = resample(input, "30m", "4h", { asOf: close2 });
    expect(bars[1]).toEqual({ time: T0 + 8 * M30, open: 10.2, high: 10.4, low: 10, close: 10.3, volume: 1 });
  });

  it("a bucket whose last sub-bar is present is closed without asOf", () => {
    expect(resample(input.slice(0, 8), "30m", "4h").bars).toHaveLength(1);
    expect(resample(input.slice(0, 7), "30m", "4h").bars).toHaveLength(0);
  });

  it("gaps produce no bar and nothing is invented", () => {
    const gappy = [input[0]!, input[1]!, input[6]!, input[7]!, input[8]!]; // 01:00-03:00 missing
    const { bars } = resample(gappy, "30m", "1h");
    expect(bars.map((b) => (b.time - T0) / M30)).toEqual([0, 6]);
  });

  it("duplicates: last occurrence wins, reported; input order otherwise irrelevant", () => {
    const corrected = bar(1, 11, 15, 10, 14, 60);
    const { bars, issues } = resample([input[1]!, input[0]!, corrected, input[2]!], "30m", "1h");
    expect(bars[0]).toEqual({ time: T0, open: 10, high: 15, low: 9, close: 14, volume: 160 });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.code).toBe("duplicate_time");
  });

  it("volume is left out when any sub-bar lacks it (quote bars have none)", () => {
    const noVol = [bar(0, 1, 1, 1, 1), bar(1, 1.2, 1.2, 1.2, 1.2, 5), bar(2, 1, 1, 1, 1)];
    expect(resample(noVol, "30m", "1h").bars[0]).toEqual({ time: T0, open: 1, high: 1.2, low: 1, close: 1.2 });
  });

  it("invalid sub-bars are dropped before aggregation and reported", () => {
    const bad = bar(1, 11, 10, 9, 12); // high below close
    const { bars, issues } = resample([input[0]!, bad, input[2]!], "30m", "1h");
    expect(bars[0]).toEqual({ time: T0, open: 10, high: 12, low: 9, close: 11, volume: 100 });
    expect(issues.map((i) => i.code)).toEqual(["high_below_open_close"]);
  });

  it("1d buckets are UTC days", () => {
    const late = { time: Date.UTC(2024, 0, 2, 23, 30), open: 2, high: 3, low: 1, close: 2.5 };
    const next = { time: Date.UTC(2024, 0, 3, 0, 0), open: 2.5, high: 2.6, low: 2.4, close: 2.5 };
    const { bars } = resample([input[0]!, late, next], "30m", "1d");
    expect(bars).toEqual([{ time: T0, open: 10, high: 12, low: 1, close: 2.5 }]);
  });

  it("refuses a finer or non-multiple target", () => {
    expect(() => resample(input, "1h", "30m")).toThrow();
  });
});
