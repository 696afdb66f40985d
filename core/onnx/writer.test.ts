// The writer's bytes run through onnxruntime-node (the native reference) and must give the
// probabilities computed here by hand from the same parameters.
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { CLASSES, MODEL_INPUT_NAME, MODEL_PROBABILITIES_NAME } from "./classes";
import { decodeModel } from "./proto";
import {
  META_KEYS,
  MODEL_LABEL_NAME,
  type OnnxModelMeta,
  type TreeNode,
  writeLinearClassifier,
  writeTreeEnsembleClassifier,
} from "./writer";

const meta = (featureCount: number): OnnxModelMeta => ({
  producer: "edgetrader-test",
  featureSchemaName: "test",
  featureSchemaHash: "abc123",
  featureCount,
  symbol: "USDCHF",
  timeframe: "4h",
  extra: { note: "x" },
});

async function run(bytes: Uint8Array, rows: number[][]) {
  const session = await ort.InferenceSession.create(bytes);
  const f = rows[0]!.length;
  const out = await session.run({
    [MODEL_INPUT_NAME]: new ort.Tensor("float32", Float32Array.from(rows.flat()), [rows.length, f]),
  });
  const probs = out[MODEL_PROBABILITIES_NAME]!;
  const labels = out[MODEL_LABEL_NAME]!;
  expect(probs.dims).toEqual([rows.length, 3]);
  expect(probs.type).toBe("float32");
  expect(labels.type).toBe("int64");
  return {
    probs: Array.from(probs.data as Float32Array),
    labels: Array.from(labels.data as BigInt64Array, Number),
    session,
  };
}

const softmax = (z: number[]) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const argmax = (v: number[]) => v.indexOf(Math.max(...v));
const f32 = Math.fround;

describe("writeLinearClassifier", () => {
  const coefficients = [0.5, -1, 2, 0.25, /* HOLD */ 0, 0.1, -0.2, 0.3, /* BUY */ -0.5, 1, 0.75, -0.4];
  const intercepts = [0.1, 0.3, -0.2];
  const rows = [
    [1, 2, 3, 4],
    [-1, 0.5, 0, 2],
    [0, 0, 0, 0],
    [10, -3, 0.2, 7],
  ];
  const expected = (x: number[]) =>
    softmax([0, 1, 2].map((c) => intercepts[c]! + x.reduce((s, v, j) => s + coefficients[c * 4 + j]! * v, 0)));

  it("gives softmax(Wx + b) and argmax labels in onnxruntime-node", async () => {
    const bytes = writeLinearClassifier({ coefficients, intercepts, meta: meta(4) });
    const { probs, labels, session } = await run(bytes, rows);
    rows.forEach((x, i) => {
      const e = expected(x);
      for (let c = 0; c < 3; c++) expect(probs[i * 3 + c]).toBeCloseTo(e[c]!, 5);
      expect(labels[i]).toBe(argmax(e));
    });
    expect(session.inputNames).toEqual([MODEL_INPUT_NAME]);
    expect([...session.outputNames].sort()).toEqual([MODEL_LABEL_NAME, MODEL_PROBABILITIES_NAME].sort());
  });

  it("applies (x - mean) / scale in the graph", async () => {
    const mean = [1, -1, 0.5, 2];
    const scale = [2, 0.5, 4, 1];
    const bytes = writeLinearClassifier({ coefficients, intercepts, preScale: { mean, scale }, meta: meta(4) });
    const { probs } = await run(bytes, rows);
    rows.forEach((x, i) => {
      const e = expected(x.map((v, j) => (v - mean[j]!) / scale[j]!));
      for (let c = 0; c < 3; c++) expect(probs[i * 3 + c]).toBeCloseTo(e[c]!, 5);
    });
  });

  it("records the contract metadata and opsets", () => {
    const m = decodeModel(writeLinearClassifier({ coefficients, intercepts, meta: meta(4) }));
    const props = Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
    expect(props).toMatchObject({
      [META_KEYS.featureSchemaHash]: "abc123",
      [META_KEYS.featureCount]: "4",
      [META_KEYS.classes]: CLASSES.join(","),
      symbol: "USDCHF",
      timeframe: "4h",
      note: "x",
    });
    expect(m.opsetImport).toEqual([
      { domain: "", version: 17 },
      { domain: "ai.onnx.ml", version: 3 },
    ]);
    expect(m.producerName).toBe("edgetrader-test");
    expect(m.graph?.input[0]?.type?.tensorType?.shape?.dim).toEqual([{ dimParam: "N" }, { dimValue: 4 }]);
  });

  it("refuses parameters of the wrong size", () => {
    expect(() => writeLinearClassifier({ coefficients: [1, 2], intercepts, meta: meta(4) })).toThrow(
      /coefficients has 2 values, expected 12/,
    );
    expect(() => writeLinearClassifier({ coefficients, intercepts: [Number.NaN, 0, 0], meta: meta(4) })).toThrow(
      /finite/,
    );
  });
});

describe("writeTreeEnsembleClassifier", () => {
  // Tree 0: x0 <= 0.5 ? (x1 <= -1 ? A : B) : C.   Tree 1: x2 <= 2 ? D : E.
  const trees: Array<{ nodes: TreeNode[] }> = [
    {
      nodes: [
        { feature: 0, threshold: 0.5, left: 1, right: 2 },
        { feature: 1, threshold: -1, left: 3, right: 4 },
        { leaf: true, values: [0.1, 0.2, 0.7] },
        { leaf: true, values: [0.8, 0.1, 0.1] },
        { leaf: true, values: [0.2, 0.6, 0.2] },
      ],
    },
    {
      nodes: [
        { feature: 2, threshold: 2, left: 1, right: 2 },
        { leaf: true, values: [0.5, 0.25, 0.25] },
        { leaf: true, values: [0, 0.1, 0.9] },
      ],
    },
  ];
  const leaf0 = (x: number[]) => (x[0]! <= 0.5 ? (x[1]! <= -1 ? [0.8, 0.1, 0.1] : [0.2, 0.6, 0.2]) : [0.1, 0.2, 0.7]);
  const leaf1 = (x: number[]) => (x[2]! <= 2 ? [0.5, 0.25, 0.25] : [0, 0.1, 0.9]);
  // The threshold itself goes left (BRANCH_LEQ), so rows sit exactly on every threshold too.
  const rows = [
    [0, -2, 1],
    [0.5, -1, 2],
    [0.6, 0, 3],
    [-3, 5, 2.0001],
    [f32(0.5000001), -0.999, 0],
  ];
  const base = [0.05, -0.05, 0];

  it("sums leaves plus base values with post_transform NONE", async () => {
    const { probs, labels } = await run(
      writeTreeEnsembleClassifier({ trees, baseValues: base, postTransform: "NONE", meta: meta(3) }),
      rows,
    );
    rows.forEach((x, i) => {
      const e = [0, 1, 2].map((c) => base[c]! + leaf0(x)[c]! + leaf1(x)[c]!);
      for (let c = 0; c < 3; c++) expect(probs[i * 3 + c]).toBeCloseTo(e[c]!, 6);
      expect(labels[i]).toBe(argmax(e));
    });
  });

  it("applies SOFTMAX over the summed scores", async () => {
    const { probs } = await run(
      writeTreeEnsembleClassifier({ trees, baseValues: base, postTransform: "SOFTMAX", meta: meta(3) }),
      rows,
    );
    rows.forEach((x, i) => {
      const e = softmax([0, 1, 2].map((c) => base[c]! + leaf0(x)[c]! + leaf1(x)[c]!));
      for (let c = 0; c < 3; c++) expect(probs[i * 3 + c]).toBeCloseTo(e[c]!, 6);
    });
  });

  it("refuses a malformed tree", () => {
    const m = meta(3);
    expect(() =>
      writeTreeEnsembleClassifier({
        trees: [{ nodes: [{ feature: 5, threshold: 0, left: 1, right: 2 }] }],
        baseValues: base,
        postTransform: "NONE",
        meta: m,
      }),
    ).toThrow(/feature 5 is outside \[0, 3\)/);
    expect(() =>
      writeTreeEnsembleClassifier({
        trees: [
          {
            nodes: [
              { feature: 0, threshold: 0, left: 0, right: 1 },
              { leaf: true, values: [1, 0, 0] },
            ],
          },
        ],
        baseValues: base,
        postTransform: "NONE",
        meta: m,
      }),
    ).toThrow(/child 0/);
    expect(() =>
      writeTreeEnsembleClassifier({
        trees: [{ nodes: [{ leaf: true, values: [1, 0] }] }],
        baseValues: base,
        postTransform: "NONE",
        meta: m,
      }),
    ).toThrow(/leaf 0 values has 2 values/);
  });
});
