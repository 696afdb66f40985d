import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { CLASS_INDEX } from "../../onnx/classes";
import { mulberry32 } from "../../random/prng";
import { type Classifier, type Dataset, predictRows } from "./dataset";
import { exportOnnx } from "./export";
import { DEFAULT_GBT, fitGbt } from "./gbt";
import { fitLogistic } from "./logistic";
import { priorProbs, score } from "./metrics";

const F = 6;

/** Separable 3-class problem on raw (unstandardised, offset and scaled) features: class by the sign of a linear score. */
function synthetic(n: number, seed: number): Dataset & { longReturn: Float64Array } {
  const rnd = mulberry32(seed);
  const x = new Float64Array(n * F);
  const y = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < F; j++) x[i * F + j] = (rnd() - 0.5) * 2;
    const s = x[i * F]! + 0.5 * x[i * F + 1]!;
    y[i] = s > 0.4 ? CLASS_INDEX.BUY : s < -0.4 ? CLASS_INDEX.SELL : CLASS_INDEX.HOLD;
    // put features on very different scales/offsets, as real features are (ATR ~1e-3, RSI ~50)
    x[i * F] = x[i * F]! * 1e-3 + 1.2;
    x[i * F + 1] = x[i * F + 1]! * 30 + 50;
    x[i * F + 5] = 7; // a constant column (like has_volume without volume)
  }
  return { x, stride: F, rows: Array.from({ length: n }, (_, i) => i), y, longReturn: new Float64Array(n) };
}

const meta = {
  producer: "edgetrader-test",
  featureSchemaName: "test",
  featureSchemaHash: "0".repeat(64),
  featureCount: F,
};

async function ortProbs(bytes: Uint8Array, x: Float64Array, rows: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({
    features: new ort.Tensor("float32", Float32Array.from(x.subarray(0, rows * F)), [rows, F]),
  });
  return out.probabilities!.data as Float32Array;
}

async function expectParity(model: Classifier & Parameters<typeof exportOnnx>[0], test: Dataset) {
  const rows = test.rows.length;
  const ts = predictRows(model, test.x, F, test.rows);
  const native = await ortProbs(exportOnnx(model, meta), test.x, rows);
  expect(native.length).toBe(rows * 3);
  let max = 0;
  for (let i = 0; i < ts.length; i++) max = Math.max(max, Math.abs(ts[i]! - native[i]!));
  expect(max).toBeLessThanOrEqual(1e-5);
  return max;
}

describe("trainers learn a separable problem", () => {
  const train = synthetic(3000, 1);
  const test = synthetic(1000, 2);

  it("logistic regression: >= 90% out of sample, far better than the prior", () => {
    const m = fitLogistic(train);
    const s = score(predictRows(m, test.x, F, test.rows), test.y, test.longReturn);
    const prior = score(priorProbs(train.y, 1000), test.y, test.longReturn, CLASS_INDEX.HOLD);
    expect(s.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(s.logLoss).toBeLessThan(prior.logLoss * 0.5);
    expect(m.scale[5]).toBe(1); // constant column
  });

  it("gradient-boosted trees: >= 90% out of sample, loss falls on held-out rows", () => {
    const { model, validLoss } = fitGbt(train, { ...DEFAULT_GBT, rounds: 150, minLeaf: 20, learningRate: 0.2 }, test);
    const s = score(predictRows(model, test.x, F, test.rows), test.y, test.longReturn);
    expect(s.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(validLoss[validLoss.length - 1]!).toBeLessThan(validLoss[0]! * 0.5);
    // never splits on the constant column
    for (const t of model.trees) for (const n of t.nodes) if (!("leaf" in n)) expect(n.feature).not.toBe(5);
  });

  it("a GBT on noise stays close to the prior (no spurious confidence)", () => {
    const noise = synthetic(2000, 3);
    const rnd = mulberry32(5);
    const y = Int8Array.from(noise.y, () => Math.floor(rnd() * 3));
    const { model } = fitGbt({ ...noise, y }, { ...DEFAULT_GBT, rounds: 50 });
    const p = model.predictProba(noise.x.subarray(0, F));
    for (const v of p) expect(Math.abs(v - 1 / 3)).toBeLessThan(0.1);
  });
});

describe("TS predict vs onnxruntime-node on exported models", () => {
  const train = synthetic(2000, 11);
  const test = synthetic(500, 12);
  it("logistic (LinearClassifier + in-graph standardisation): max abs diff <= 1e-5", async () => {
    await expectParity(fitLogistic(train, { l2: 1e-3, iterations: 200, learningRate: 0.05 }), test);
  });
  it("GBT (TreeEnsembleClassifier, SOFTMAX): max abs diff <= 1e-5", async () => {
    const { model } = fitGbt(train, { ...DEFAULT_GBT, rounds: 60, minLeaf: 20, learningRate: 0.2 });
    expect(model.trees.length).toBe(60);
    await expectParity(model, test);
  });
  it("GBT parity holds on rows lying exactly on split thresholds", async () => {
    const { model } = fitGbt(train, { ...DEFAULT_GBT, rounds: 20, minLeaf: 20 });
    const onEdge = new Float64Array(train.x.subarray(0, 200 * F));
    let k = 0;
    for (const t of model.trees)
      for (const n of t.nodes) if (!("leaf" in n) && k < 200) onEdge[k++ * F + n.feature] = n.threshold;
    await expectParity(model, { x: onEdge, stride: F, rows: Array.from({ length: 200 }, (_, i) => i), y: train.y });
  });
});
