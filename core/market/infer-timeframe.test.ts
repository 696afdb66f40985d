import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseBarsCsv } from "./csv";
import { inferTimeframe } from "./infer-timeframe";
import { TIMEFRAME_MS } from "./timeframes";

const series = (step: number, n: number, skip: (i: number) => boolean = () => false) =>
  Array.from({ length: n }, (_, i) => i)
    .filter((i) => !skip(i))
    .map((i) => ({ time: Date.UTC(2024, 0, 1) + i * step }));

describe("inferTimeframe", () => {
  it("finds the step of a series with gaps (weekends, missing bars)", () => {
    // Daily bars without Saturdays and Sundays: gaps of 3 days are rarer than the 1-day step.
    expect(inferTimeframe(series(TIMEFRAME_MS["1d"], 300, (i) => i % 7 === 5 || i % 7 === 6))).toBe("1d");
    expect(inferTimeframe(series(TIMEFRAME_MS["30m"], 500, (i) => i % 11 === 0))).toBe("30m");
    expect(inferTimeframe(series(TIMEFRAME_MS["4h"], 50))).toBe("4h");
  });

  it("null when it cannot tell: one bar, or a step that is no timeframe of ours", () => {
    expect(inferTimeframe(series(TIMEFRAME_MS["1h"], 1))).toBeNull();
    expect(inferTimeframe(series(3 * 60_000, 100))).toBeNull();
  });

  it("the shipped S&P 500 daily CSV is daily, the USD/CHF CSV half-hourly", () => {
    const sp = parseBarsCsv(readFileSync(new URL("../../models/data/sp500_daily.csv", import.meta.url), "utf8"));
    expect(inferTimeframe(sp.bars)).toBe("1d");
    const chf = parseBarsCsv(readFileSync(new URL("../../models/data/usdchf_30m.csv", import.meta.url), "utf8"));
    expect(inferTimeframe(chf.bars)).toBe("30m");
  });
});
