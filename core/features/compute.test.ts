import { describe, expect, it } from "vitest";
import type { Bar } from "../market/bar";
import { mulberry32 } from "../random/prng";
import { computeFeatures, featureRow } from "./compute";
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_WARMUP_BARS, featureIndex } from "./schema";
import { syntheticBars } from "./testing/synthetic-bars";

const same = (a: number, b: number) => Object.is(a, b);

describe("computeFeatures warm-up", () => {
  it("rows before validFrom are NaN (never usable) and every row after is finite", () => {
    const m = computeFeatures(syntheticBars(900, 2));
    expect(m.validFrom).toBe(FEATURE_WARMUP_BARS);
    expect(m.stride).toBe(FEATURE_COUNT);
    expect(m.times.length).toBe(900);
    for (let t = 0; t < m.validFrom; t++) for (const v of featureRow(m, t)) expect(Number.isNaN(v)).toBe(true);
    for (let t = m.validFrom; t < m.count; t++) {
      featureRow(m, t).forEach((v, j) => {
        if (!Number.isFinite(v)) throw new Error(`row ${t} ${FEATURE_NAMES[j]} = ${v}`);
      });
    }
  });

  it("has no valid row with warm-up bars or fewer", () => {
    const m = computeFeatures(syntheticBars(FEATURE_WARMUP_BARS, 2));
    expect(m.validFrom).toBe(m.count);
    expect(computeFeatures(syntheticBars(FEATURE_WARMUP_BARS + 1, 2)).validFrom).toBe(FEATURE_WARMUP_BARS);
  });

  it("a valid row does not depend on where the history starts (warm-up long enough for EMA/MACD/ADX)", () => {
    const bars = syntheticBars(1600, 3);
    const full = computeFeatures(bars);
    const k = 500;
    const part = computeFeatures(bars.slice(k));
    for (let t = k + part.validFrom; t < bars.length; t++) {
      const a = featureRow(full, t);
      const b = featureRow(part, t - k);
      for (let j = 0; j < FEATURE_COUNT; j++) {
        const tol = 1e-4 * (Math.abs(a[j]!) + 1e-3);
        if (Math.abs(a[j]! - b[j]!) > tol) throw new Error(`${FEATURE_NAMES[j]} at ${t}: ${a[j]} vs ${b[j]}`);
      }
    }
  });
});

describe("computeFeatures has no look-ahead", () => {
  it("changing bars after t changes no feature at or before t", () => {
    const bars = syntheticBars(800, 4);
    const base = computeFeatures(bars);
    const rnd = mulberry32(99);
    for (const cut of [FEATURE_WARMUP_BARS, 420, 650, 798]) {
      const changed: Bar[] = bars.map((b, i) =>
        i <= cut
          ? b
          : {
              ...b,
              close: b.close * (1 + (rnd() - 0.5) * 0.2),
              high: b.high * 1.2,
              low: b.low * 0.8,
              volume: 1 + rnd() * 1e6,
            },
      );
      const m = computeFeatures(changed);
      for (let i = 0; i <= cut * FEATURE_COUNT + FEATURE_COUNT - 1; i++) {
        if (!same(m.values[i]!, base.values[i]!))
          throw new Error(`look-ahead: row ${Math.floor(i / FEATURE_COUNT)} changed`);
      }
      // and something after the cut did change (the test can fail)
      expect(same(m.values[(cut + 1) * FEATURE_COUNT]!, base.values[(cut + 1) * FEATURE_COUNT]!)).toBe(false);
    }
  });
});

describe("computeFeatures without volume", () => {
  it("gives the documented neutral values and has_volume = 0", () => {
    const m = computeFeatures(syntheticBars(500, 5, false));
    for (let t = m.validFrom; t < m.count; t++) {
      const r = featureRow(m, t);
      expect(r[featureIndex("has_volume")]).toBe(0);
      expect(r[featureIndex("mfi_14")]).toBe(50);
      expect(r[featureIndex("obv_z_20")]).toBe(0);
      expect(r[featureIndex("volume_z_20")]).toBe(0);
    }
    const withVol = computeFeatures(syntheticBars(500, 5, true));
    expect(featureRow(withVol, 400)[featureIndex("has_volume")]).toBe(1);
    expect(featureRow(withVol, 400)[featureIndex("mfi_14")]).not.toBe(50);
  });

  it("a gap in volume inside the 21-bar window neutralises volume features until it leaves the window", () => {
    const bars = syntheticBars(500, 6).map((b, i) => (i === 400 ? { ...b, volume: undefined } : b));
    const m = computeFeatures(bars);
    const hv = featureIndex("has_volume");
    expect(featureRow(m, 399)[hv]).toBe(1);
    expect(featureRow(m, 400)[hv]).toBe(0);
    expect(featureRow(m, 420)[hv]).toBe(0);
    expect(featureRow(m, 421)[hv]).toBe(1);
  });

  it("flat prices give finite neutral values, not NaN", () => {
    const bars: Bar[] = Array.from({ length: 400 }, (_, i) => ({ time: i, open: 1, high: 1, low: 1, close: 1 }));
    const m = computeFeatures(bars);
    for (const v of featureRow(m, 399)) expect(Number.isFinite(v)).toBe(true);
    expect(featureRow(m, 399)[featureIndex("rsi_14")]).toBe(50);
  });
});
