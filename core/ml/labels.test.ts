import { describe, expect, it } from "vitest";
import type { Bar } from "../market/bar";
import { CLASS_INDEX } from "../onnx/classes";
import { labeledRows, NO_LABEL, tripleBarrierLabels } from "./labels";
import { walkForwardFolds } from "./train/folds";

const bar = (i: number, c: number, h = c, l = c): Bar => ({ time: i, open: c, high: h, low: l, close: c });

describe("triple-barrier labels", () => {
  const atr = new Array(10).fill(1);
  it("labels BUY/SELL by the first barrier touched and HOLD otherwise", () => {
    const bars = [
      bar(0, 100),
      bar(1, 100.5),
      bar(2, 101.2, 102.1),
      bar(3, 99, 99, 97.9),
      bar(4, 100),
      bar(5, 100),
      bar(6, 100),
    ];
    const { y, longReturn } = tripleBarrierLabels(bars, atr, { horizon: 3, atrMult: 2 });
    expect(y[0]).toBe(CLASS_INDEX.BUY); // high 102.1 >= 102 at bar 2 before the low at bar 3
    expect(longReturn[0]).toBeCloseTo(0.02, 12);
    expect(y[1]).toBe(CLASS_INDEX.SELL); // 100.5-2 = 98.5: bar 3 low 97.9 first (bar 2 high 102.1 < 102.5)
    expect(y[2]).toBe(CLASS_INDEX.SELL);
    expect(y[3]).toBe(CLASS_INDEX.HOLD);
    expect(Array.from(y.slice(4))).toEqual([NO_LABEL, NO_LABEL, NO_LABEL]); // last `horizon` rows
  });

  it("a label never depends on bars after t + horizon", () => {
    const bars = Array.from({ length: 40 }, (_, i) =>
      bar(i, 100 + Math.sin(i) * 2, 100 + Math.sin(i) * 2 + 0.5, 100 + Math.sin(i) * 2 - 0.5),
    );
    const a = tripleBarrierLabels(bars, new Array(40).fill(1), { horizon: 5, atrMult: 1.5 });
    for (const cut of [10, 20, 30]) {
      const changed = bars.map((b, i) => (i > cut + 5 ? bar(i, 500, 1000, 1) : b));
      const b = tripleBarrierLabels(changed, new Array(40).fill(1), { horizon: 5, atrMult: 1.5 });
      expect(Array.from(b.y.slice(0, cut + 1))).toEqual(Array.from(a.y.slice(0, cut + 1)));
      // bars inside the horizon do matter (the test can fail)
      const inside = bars.map((x, i) => (i === cut + 5 ? bar(i, 500, 1000, 1) : x));
      expect(tripleBarrierLabels(inside, new Array(40).fill(1), { horizon: 5, atrMult: 1.5 }).y[cut]).not.toBe(
        NO_LABEL,
      );
    }
  });

  it("both barriers inside one bar is HOLD; invalid ATR gives no label", () => {
    const bars = [bar(0, 100), bar(1, 100, 103, 97), bar(2, 100)];
    expect(tripleBarrierLabels(bars, [1, 1, 1], { horizon: 1, atrMult: 2 }).y[0]).toBe(CLASS_INDEX.HOLD);
    expect(tripleBarrierLabels(bars, [NaN, 1, 1], { horizon: 1, atrMult: 2 }).y[0]).toBe(NO_LABEL);
  });

  it("labeledRows skips warm-up rows and unlabeled rows", () => {
    const y = Int8Array.from([1, 2, 0, 1, NO_LABEL]);
    expect(labeledRows(y, 2)).toEqual([2, 3]);
  });
});

describe("walk-forward folds", () => {
  it("tests strictly after training and purges the label horizon", () => {
    const rows = Array.from({ length: 1000 }, (_, i) => i + 300);
    const folds = walkForwardFolds(rows, 4, 12);
    expect(folds.length).toBe(4);
    let prevEnd = -1;
    for (const f of folds) {
      const firstTest = f.test[0]!;
      expect(firstTest).toBeGreaterThan(prevEnd);
      prevEnd = f.test[f.test.length - 1]!;
      expect(Math.max(...f.train) + 12).toBeLessThan(firstTest);
      expect(Math.max(...f.train)).toBe(firstTest - 13); // exactly the horizon gap is purged, no more
    }
    expect(folds[3]!.test[folds[3]!.test.length - 1]).toBe(1299);
  });
});
