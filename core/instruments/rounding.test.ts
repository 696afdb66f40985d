// The fast rounding helpers answer exactly what the string round trip Number(x.toFixed(k)) answers.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanPrice, floorToLotStep, roundToTick, toFixedNumber } from "./rounding";

const slow = (x: number, k: number) => Number(x.toFixed(k));
const same = (a: number, b: number) => Object.is(a, b);

describe("toFixedNumber(x, k) = Number(x.toFixed(k)), bit for bit", () => {
  it("on random doubles of every magnitude", () => {
    fc.assert(
      fc.property(fc.double(), fc.integer({ min: 0, max: 22 }), (x, k) => {
        expect(same(toFixedNumber(x, k), slow(x, k))).toBe(true);
      }),
      { numRuns: 30_000 },
    );
  });

  it("on prices (the paper engine's range) and their half-point neighbours", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -5, max: 200_000, noNaN: true }),
        fc.integer({ min: 0, max: 11 }),
        fc.integer({ min: -3, max: 3 }),
        (x, k, ulps) => {
          // decimal ties (x.xxxx5 at k decimals) and values a few ulps around them
          const tie = (Math.round(x * 10 ** k) + 0.5) / 10 ** k;
          let y = tie;
          const step = Math.abs(tie) * Number.EPSILON || Number.MIN_VALUE;
          y += ulps * step;
          for (const v of [x, tie, y, -tie, x + 1e-9, x * 1.0000001])
            expect(same(toFixedNumber(v, k), slow(v, k))).toBe(true);
        },
      ),
      { numRuns: 30_000 },
    );
  });

  it("on sums like the engine's (mid +- half spread, grid prices)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3_000_000 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 2, max: 5 }),
        (n, spreadPts, digits) => {
          const mid = n / 10 ** digits;
          const half = (spreadPts * 10 ** -digits) / 2;
          for (const v of [mid - half, mid + half, mid * 0.9876543, mid / 3])
            expect(same(toFixedNumber(v, digits + 1), slow(v, digits + 1))).toBe(true);
        },
      ),
      { numRuns: 30_000 },
    );
  });

  it("edge values", () => {
    const xs = [
      0,
      -0,
      NaN,
      Infinity,
      -Infinity,
      0.5,
      1.5,
      2.5,
      -0.5,
      -2.5,
      0.125,
      0.375,
      1.005,
      1.0049999999999999,
      2.675,
      1e-7,
      -1e-7,
      1e15,
      1e16,
      9.999999999999999e20,
      1e21,
      2 ** 50,
      2 ** 53 + 2,
      Number.MIN_VALUE,
      -Number.MIN_VALUE,
      Number.MAX_VALUE,
    ];
    for (const x of xs)
      for (let k = 0; k <= 22; k++) expect([x, k, same(toFixedNumber(x, k), slow(x, k))]).toEqual([x, k, true]);
    expect(() => toFixedNumber(1, 101)).toThrow(RangeError);
  });
});

describe("cleanPrice, roundToTick and floorToLotStep keep their string-based answers", () => {
  const oldClean = (p: number, d: number) => Number(p.toFixed(d + 1));
  const oldTick = (p: number, tick: number, d: number) => Number((Math.round(p / tick) * tick).toFixed(d));
  it("on random prices", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        fc.constantFrom([5, 0.00001], [3, 0.001], [2, 0.01], [1, 0.1], [2, 0.25], [0, 1]),
        (p, [d, tick]) => {
          expect(same(cleanPrice(p, { digits: d! }), oldClean(p, d!))).toBe(true);
          expect(same(roundToTick(p, { digits: d!, tickSize: tick! }), oldTick(p, tick!, d!))).toBe(true);
        },
      ),
      { numRuns: 20_000 },
    );
  });
  it("lot steps", () => {
    const oldFloor = (v: number, step: number) => {
      const s = step.toString();
      const i = s.indexOf(".");
      return Number((Math.floor(v / step + 1e-9) * step).toFixed(i < 0 ? 0 : s.length - i - 1));
    };
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e4, noNaN: true }),
        fc.constantFrom(0.01, 0.001, 0.1, 1, 0.5),
        (v, step) => {
          expect(same(floorToLotStep(v, { lotStep: step }), oldFloor(v, step))).toBe(true);
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
