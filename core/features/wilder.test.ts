import { MFI, RSI } from "technicalindicators";
import { describe, expect, it } from "vitest";
import { syntheticBars } from "./testing/synthetic-bars";
import { mfi, rsiWilder } from "./wilder";

describe("full-precision RSI (Wilder)", () => {
  it("matches a hand-computed series (period 3)", () => {
    // changes +1 -0.5 +1 -0.5 +1; seed gain 2/3 loss 1/6 -> RSI 80; then 4/9 vs 5/18 -> 100-100/2.6; then 17/27 vs 5/27 -> 100-100/4.4
    const r = rsiWilder([10, 11, 10.5, 11.5, 11, 12], 3);
    expect(Number.isNaN(r[2]!)).toBe(true);
    expect(r[3]).toBeCloseTo(80, 12);
    expect(r[4]).toBeCloseTo(100 - 100 / 2.6, 12);
    expect(r[5]).toBeCloseTo(100 - 100 / 4.4, 12);
    expect(r[4]).not.toBe(Math.round(r[4]! * 100) / 100); // not rounded
  });

  it("agrees with technicalindicators' 2-decimal RSI to rounding", () => {
    const close = syntheticBars(600, 7).map((b) => b.close);
    const mine = rsiWilder(close, 14);
    const lib = RSI.calculate({ values: close, period: 14 });
    const off = close.length - lib.length;
    for (let j = 0; j < lib.length; j++) expect(Math.abs(mine[off + j]! - lib[j]!)).toBeLessThanOrEqual(0.0051);
  });
});

describe("full-precision MFI", () => {
  it("agrees with technicalindicators' 2-decimal MFI to rounding", () => {
    const bars = syntheticBars(400, 9);
    const h = bars.map((b) => b.high),
      l = bars.map((b) => b.low),
      c = bars.map((b) => b.close),
      v = bars.map((b) => b.volume!);
    const mine = mfi(h, l, c, v, 14);
    const lib = MFI.calculate({ high: h, low: l, close: c, volume: v, period: 14 });
    const off = c.length - lib.length;
    for (let j = 0; j < lib.length; j++) expect(Math.abs(mine[off + j]! - lib[j]!)).toBeLessThanOrEqual(0.0051);
  });

  it("is 100 when money only flowed in, 50 when nothing moved", () => {
    const up = [1, 2, 3, 4, 5];
    expect(mfi(up, up, up, [1, 1, 1, 1, 1], 3)[4]).toBe(100);
    const flat = [1, 1, 1, 1, 1];
    expect(mfi(flat, flat, flat, [1, 1, 1, 1, 1], 3)[4]).toBe(50);
  });
});
