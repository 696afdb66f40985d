import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseBarsCsv, parseUtc } from "./csv";
import { resample } from "./resample";

const data = (f: string) => readFileSync(fileURLToPath(new URL(`../../models/data/${f}`, import.meta.url)), "utf8");

describe("CSV loaders on the real files", () => {
  it("usdchf_30m: every quote becomes a flat bar without volume, read as UTC", () => {
    const { kind, bars, issues } = parseBarsCsv(data("usdchf_30m.csv"));
    expect(kind).toBe("quotes");
    expect(issues).toEqual([]);
    expect(bars).toHaveLength(62_496);
    expect(bars[0]).toEqual({ time: Date.UTC(1996, 3, 1, 0, 0), open: 1.193, high: 1.193, low: 1.193, close: 1.193 });
    expect(bars[1]!.close).toBe(1.1941);
    expect(bars.at(-1)!.time).toBeLessThan(Date.UTC(2001, 2, 31));
    // 30m-aligned and strictly increasing (validateBars would have reported otherwise).
    expect(bars.every((x) => x.time % 1_800_000 === 0)).toBe(true);
  });

  it("usdchf 30m -> 1h takes its range from the quotes inside each hour", () => {
    const { bars } = parseBarsCsv(data("usdchf_30m.csv"));
    const h = resample(bars, "30m", "1h").bars;
    // First hour of the file: quotes 1.193 (00:00) and 1.1941 (00:30).
    expect(h[0]).toEqual({ time: Date.UTC(1996, 3, 1), open: 1.193, high: 1.1941, low: 1.193, close: 1.1941 });
  });

  it("sp500_daily: OHLCV per UTC day, adjclose ignored", () => {
    const { kind, bars, issues } = parseBarsCsv(data("sp500_daily.csv"));
    expect(kind).toBe("ohlcv");
    expect(issues).toEqual([]);
    expect(bars).toHaveLength(5105);
    expect(bars[0]).toEqual({
      time: Date.UTC(2000, 0, 3),
      open: 1469.25,
      high: 1478,
      low: 1438.359985,
      close: 1455.219971,
      volume: 931_800_000,
    });
  });

  it("reports malformed rows instead of throwing; rejects an unknown header", () => {
    const r = parseBarsCsv("time,price\n1996-04-01T00:00:00,1.2\nnot-a-date,1.3\n1996-04-01T01:00:00,abc\n");
    expect(r.bars).toHaveLength(1);
    expect(r.issues.map((i) => [i.index, i.code])).toEqual([
      [1, "malformed_row"],
      [2, "non_finite"],
    ]);
    expect(() => parseBarsCsv("a,b\n1,2")).toThrow(/unknown CSV header/);
    expect(parseUtc("2000-01-03")).toBe(Date.UTC(2000, 0, 3));
  });
});
