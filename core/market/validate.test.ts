import { describe, expect, it } from "vitest";
import { dedupeByTime, validateBars } from "./validate";

const b = (time: number, o: number, h: number, l: number, c: number, volume?: number) => ({
  time,
  open: o,
  high: h,
  low: l,
  close: c,
  ...(volume === undefined ? {} : { volume }),
});

describe("validateBars", () => {
  it("keeps sound bars and reports each broken rule", () => {
    const { bars, issues } = validateBars([
      b(1, 10, 11, 9, 10.5),
      b(2, 10, 9.9, 9, 10), // high < open
      b(3, 10, 11, 10.2, 10.5), // low > open
      b(4, 10, 11, 0, 10.5), // non-positive
      b(5, 10, Number.NaN, 9, 10), // non-finite
      b(6, 10, 11, 9, 10, -1), // negative volume
      b(7, 10, 11, 9, 10),
      b(7, 10, 11, 9, 10.1), // duplicate time
      b(6.5, 10, 11, 9, 10), // out of order
    ]);
    expect(bars.map((x) => x.time)).toEqual([1, 7]);
    expect(issues.map((i) => [i.index, i.code])).toEqual([
      [1, "high_below_open_close"],
      [2, "low_above_open_close"],
      [3, "non_positive"],
      [4, "non_finite"],
      [5, "negative_volume"],
      [7, "duplicate_time"],
      [8, "out_of_order"],
    ]);
  });

  it("dedupeByTime sorts and lets the last duplicate win", () => {
    const { bars, issues } = dedupeByTime([b(2, 1, 1, 1, 1), b(1, 1, 1, 1, 1), b(2, 2, 2, 2, 2)]);
    expect(bars).toEqual([b(1, 1, 1, 1, 1), b(2, 2, 2, 2, 2)]);
    expect(issues).toHaveLength(1);
  });
});
