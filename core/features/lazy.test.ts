// Lazy features (computeFeatures(bars, only)): every column computed equals the full computation's bit
// for bit (Object.is, so NaN and -0 count), every other column is NaN. Random subsets (fast-check) on
// random walks with flat stretches and volume gaps, each feature alone and a rule's typical sets on
// real data (USD/CHF 30m without volume, BTC/USDT 1h and S&P 500 daily with volume).
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Bar } from "../market/bar";
import { parseBarsCsv } from "../market/csv";
import { computeFeatures, featureAt } from "./compute";
import { FEATURE_COUNT, FEATURE_NAMES, type FeatureName } from "./schema";
import { syntheticBars } from "./testing/synthetic-bars";

const data = (f: string) => parseBarsCsv(readFileSync(new URL(`../../models/data/${f}`, import.meta.url), "utf8")).bars;

/** The first difference (column, row, values) or null. */
function mismatch(bars: readonly Bar[], only: ReadonlySet<FeatureName>, full = computeFeatures(bars)): string | null {
  const lazy = computeFeatures(bars, only);
  if (lazy.count !== full.count || lazy.validFrom !== full.validFrom) return "shape";
  if (lazy.only !== only) return "only not reported";
  // Compact: a row holds the columns of the indicator groups computed, not all 38.
  if (only.size <= 6 && lazy.stride >= FEATURE_COUNT) return `stride ${lazy.stride} for ${only.size} features`;
  for (let j = 0; j < FEATURE_COUNT; j++) {
    const name = FEATURE_NAMES[j]!;
    for (let t = 0; t < full.count; t++) {
      const a = featureAt(lazy, t, j);
      const b = only.has(name) ? full.values[t * FEATURE_COUNT + j]! : NaN;
      if (!Object.is(a, b)) return `${name} row ${t}: lazy ${a}, expected ${b}`;
    }
  }
  return null;
}

/** A walk with flat stretches and bars without volume (the neutral values' cases). */
function roughBars(n: number, seed: number): Bar[] {
  return syntheticBars(n, seed, seed % 3 !== 0).map((b, i) => {
    if (i % 97 > 80) return { time: b.time, open: 1.25, high: 1.25, low: 1.25, close: 1.25 };
    if (i % 53 === 0) return { ...b, volume: 0 };
    return b;
  });
}

describe("lazy features equal the full computation bit for bit", () => {
  it("random subsets on random walks", () => {
    const walks = [0, 1, 2, 3].map((s) => roughBars(650, s + 1));
    const fulls = walks.map((b) => computeFeatures(b));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: walks.length - 1 }),
        fc.subarray([...FEATURE_NAMES], { minLength: 0, maxLength: 6 }),
        (w, names) => {
          expect(mismatch(walks[w]!, new Set(names), fulls[w])).toBeNull();
        },
      ),
      { numRuns: 150 },
    );
  });

  it("each feature alone, and typical rule sets, on real data", () => {
    const sets: FeatureName[][] = [
      ...FEATURE_NAMES.map((n) => [n]),
      ["rsi_14", "atr_14"],
      ["bb_pctb_20", "rsi_14", "atr_14"],
      ["stoch_k_14", "willr_14"],
      ["mfi_14", "obv_z_20", "volume_z_20", "has_volume"],
      [],
      [...FEATURE_NAMES],
    ];
    for (const file of ["usdchf_30m.csv", "btcusdt_1h.csv", "sp500_daily.csv"]) {
      const bars = data(file).slice(-3000);
      const full = computeFeatures(bars);
      for (const s of sets) expect(mismatch(bars, new Set(s), full), `${file} ${s.join(",")}`).toBeNull();
    }
  });

  it("short series around the warm-up", () => {
    for (const n of [0, 1, 299, 300, 301, 302])
      expect(mismatch(roughBars(n, 7), new Set<FeatureName>(["rsi_14", "atr_14", "sma_200_dist"]))).toBeNull();
  });
});
