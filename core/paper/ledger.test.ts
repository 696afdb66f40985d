import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utcDay } from "./ledger";

const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

describe("utcDay = toISOString().slice(0, 10)", () => {
  it("on random times 1970..9999 and beyond", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 253_402_300_799_999 }),
          fc.integer({ min: -8.64e15, max: 8.64e15 }),
          fc.double({ min: 0, max: 2e12, noNaN: true }),
        ),
        (t) => {
          expect(utcDay(t)).toBe(iso(t));
        },
      ),
      { numRuns: 30_000 },
    );
  });
  it("day edges, leap days, centuries", () => {
    const days = [0, 59, 60, 365, 366, 789, 10_957, 11_016, 11_017, 47_541, 47_542, 2_932_896];
    for (const d of days)
      for (const t of [d * 86_400_000, d * 86_400_000 - 1, d * 86_400_000 + 1, (d + 1) * 86_400_000 - 0.5])
        if (t >= 0) expect(utcDay(t)).toBe(iso(t));
    for (let y = 1970; y <= 2500; y++)
      for (const [m, d] of [
        [1, 1],
        [2, 28],
        [2, 29],
        [3, 1],
        [12, 31],
      ] as const) {
        const t = Date.UTC(y, m - 1, d, 23, 59, 59, 999);
        expect(utcDay(t)).toBe(iso(t));
      }
    expect(utcDay(253_402_300_799_999)).toBe("9999-12-31");
    expect(() => utcDay(NaN)).toThrow(RangeError);
  });
});
