// The fast computeFeatures must give the numbers the shipped models were trained on: those of the
// frozen technicalindicators-based reference, within 1e-9 relative (1e-12 absolute near 0).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Bar } from "../market/bar";
import { parseBarsCsv } from "../market/csv";
import { resample } from "../market/resample";
import type { Timeframe } from "../market/timeframes";
import { mulberry32 } from "../random/prng";
import { computeFeatures } from "./compute";
import { computeFeaturesReference } from "./reference/compute-reference";
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_WARMUP_BARS } from "./schema";
import { syntheticBars } from "./testing/synthetic-bars";

const data = (f: string) => readFileSync(new URL(`../../models/data/${f}`, import.meta.url), "utf8");

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  const d = Math.abs(a - b);
  return d <= 1e-12 || d <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** Throws on the first mismatch (name, row, both values); returns how many values were bit-identical. */
function expectSame(bars: readonly Bar[], label: string): { values: number; identical: number } {
  const fast = computeFeatures(bars);
  const ref = computeFeaturesReference(bars);
  expect(fast.count).toBe(ref.count);
  expect(fast.stride).toBe(ref.stride);
  expect(fast.validFrom).toBe(ref.validFrom);
  expect([...fast.times]).toEqual([...ref.times]);
  expect(fast.values.length).toBe(ref.values.length);
  let identical = 0;
  for (let i = 0; i < ref.values.length; i++) {
    const a = fast.values[i]!;
    const b = ref.values[i]!;
    if (Object.is(a, b)) identical++;
    else if (!close(a, b)) {
      const t = Math.floor(i / FEATURE_COUNT);
      throw new Error(
        `${label}: ${FEATURE_NAMES[i % FEATURE_COUNT]} at row ${t}/${bars.length}: fast ${a} vs reference ${b}`,
      );
    }
  }
  return { values: ref.values.length, identical };
}

describe("computeFeatures equals the technicalindicators reference", () => {
  const usdchf = parseBarsCsv(data("usdchf_30m.csv")).bars;

  it.each<Timeframe>(["30m", "1h", "2h", "4h", "1d"])("USD/CHF %s (whole history and 302-bar live windows)", (tf) => {
    const bars = tf === "30m" ? usdchf : resample(usdchf, "30m", tf).bars;
    expect(bars.length).toBeGreaterThan(FEATURE_WARMUP_BARS + 100);
    const whole = expectSame(bars, `usdchf ${tf}`);
    // Most values should be bit-identical (same operations in the same order); report if not.
    expect(whole.identical / whole.values).toBeGreaterThan(0.99);
    for (const end of [FEATURE_WARMUP_BARS + 2, Math.floor(bars.length / 2), bars.length]) {
      expectSame(bars.slice(Math.max(0, end - (FEATURE_WARMUP_BARS + 2)), end), `usdchf ${tf} window ending ${end}`);
    }
  });

  it("S&P 500 daily with volume (whole history and windows)", () => {
    const bars = parseBarsCsv(data("sp500_daily.csv")).bars;
    expect(bars.every((b) => (b.volume ?? 0) > 0)).toBe(true);
    expectSame(bars, "sp500");
    for (const end of [400, 2500, bars.length]) expectSame(bars.slice(end - 302, end), `sp500 window ending ${end}`);
  });

  it("synthetic random walks with and without volume, and every short length around the warm-up", () => {
    for (const seed of [1, 2, 3, 11, 42]) {
      expectSame(syntheticBars(900, seed, true), `synthetic ${seed}`);
      expectSame(syntheticBars(700, seed, false), `synthetic ${seed} no volume`);
    }
    for (const n of [0, 1, 2, 13, 14, 20, 27, 60, 299, 300, 301, 302, 303]) expectSame(syntheticBars(n, 5), `n=${n}`);
  });

  it("flat prices, flat stretches inside a walk, volume gaps and zero volume", () => {
    const flat: Bar[] = Array.from({ length: 400 }, (_, i) => ({ time: i, open: 1, high: 1, low: 1, close: 1 }));
    expectSame(flat, "flat");
    expectSame(
      flat.map((b) => ({ ...b, volume: 500 })),
      "flat with volume",
    );
    const rnd = mulberry32(7);
    const walk = syntheticBars(1000, 8).map((b, i) => {
      // 40-bar flat stretches (stochastic/W%R/CCI/Bollinger degenerate windows), then partial ones.
      if (i % 200 >= 150 && i % 200 < 190) return { ...b, open: 1.3, high: 1.3, low: 1.3, close: 1.3 };
      if (i % 97 === 0) return { ...b, volume: undefined };
      if (i % 89 === 0) return { ...b, volume: 0 };
      if (i % 53 === 0) return { ...b, high: b.close, low: b.close, open: b.close };
      return { ...b, volume: rnd() < 0.02 ? 1 : b.volume };
    });
    expectSame(walk, "walk with flats and gaps");
    for (let end = 302; end <= walk.length; end += 37)
      expectSame(walk.slice(end - 302, end), `walk window ending ${end}`);
  });

  it("large and tiny price scales", () => {
    for (const scale of [1e-4, 1, 5000, 1e7]) {
      const bars = syntheticBars(600, 9).map((b) => ({
        ...b,
        open: b.open * scale,
        high: b.high * scale,
        low: b.low * scale,
        close: b.close * scale,
      }));
      expectSame(bars, `scale ${scale}`);
    }
  });
});
