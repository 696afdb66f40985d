import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { computeFeatures } from "../../features/compute";
import { FEATURE_COUNT, FEATURE_SCHEMA } from "../../features/schema";
import { syntheticBars } from "../../features/testing/synthetic-bars";
import { ModelCardSchema } from "./card";
import { DEFAULT_TRAIN, trainModel } from "./pipeline";

describe("training pipeline (features -> labels -> walk-forward -> ONNX + card)", () => {
  const bars = syntheticBars(1400, 21, false, 4 * 3_600_000);
  const result = trainModel(bars, {
    ...DEFAULT_TRAIN,
    symbol: "TEST",
    timeframe: "4h",
    source: "synthetic random walk (test)",
    sourceTimeframe: "4h",
    folds: 3,
    gbt: { ...DEFAULT_TRAIN.gbt, rounds: 30 },
    logistic: { ...DEFAULT_TRAIN.logistic, iterations: 80 },
  });

  it("writes a card that validates and records schema, data range and every fold with baselines", () => {
    const card = ModelCardSchema.parse(result.card);
    expect(card.featureSchema).toEqual({
      name: FEATURE_SCHEMA.name,
      version: FEATURE_SCHEMA.version,
      hash: FEATURE_SCHEMA.hash,
      count: FEATURE_COUNT,
    });
    expect(card.classes).toEqual(["SELL", "HOLD", "BUY"]);
    expect(card.walkForward.folds.length).toBe(3);
    expect(card.data.warmupBars).toBe(FEATURE_SCHEMA.warmupBars);
    expect(card.data.labeledRows).toBe(1400 - FEATURE_SCHEMA.warmupBars - DEFAULT_TRAIN.horizon);
    for (const f of card.walkForward.folds) {
      expect(f.alwaysHold.trades).toBe(0);
      expect(f.testRows).toBeGreaterThan(0);
      expect(Date.parse(f.testFrom)).toBeGreaterThanOrEqual(bars[FEATURE_SCHEMA.warmupBars]!.time);
    }
    // a random walk has no edge: the honest verdict must say so
    expect(card.verdict).toMatch(/no reliable edge/);
  });

  it("the exported ONNX gives the TS model's probabilities on real feature rows (<= 1e-5)", async () => {
    const fm = computeFeatures(bars);
    const rows = Array.from({ length: 200 }, (_, i) => fm.validFrom + i * 5);
    const x = new Float32Array(rows.length * FEATURE_COUNT);
    rows.forEach((t, i) => x.set(fm.values.subarray(t * FEATURE_COUNT, (t + 1) * FEATURE_COUNT), i * FEATURE_COUNT));
    const session = await ort.InferenceSession.create(result.onnx);
    const out = (await session.run({ features: new ort.Tensor("float32", x, [rows.length, FEATURE_COUNT]) }))
      .probabilities!.data as Float32Array;
    let max = 0;
    rows.forEach((t, i) => {
      const p = result.model.predictProba(fm.values.subarray(t * FEATURE_COUNT, (t + 1) * FEATURE_COUNT));
      for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(p[c]! - out[i * 3 + c]!));
    });
    expect(max).toBeLessThanOrEqual(1e-5);
  });

  it("refuses data too short for warm-up + labels", () => {
    expect(() =>
      trainModel(syntheticBars(400, 1), {
        ...DEFAULT_TRAIN,
        symbol: "T",
        timeframe: "4h",
        source: "s",
        sourceTimeframe: "4h",
      }),
    ).toThrow(/labeled rows/);
  });
});
