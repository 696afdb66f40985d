// Runs in Node before the workerd tests: builds models with our ONNX writer, runs fixed rows through
// onnxruntime-node (the native reference) and provides bytes, rows and native outputs to the tests.
import * as ort from "onnxruntime-node";
import type { TestProject } from "vitest/node";
import { MODEL_INPUT_NAME, MODEL_PROBABILITIES_NAME } from "../../core/ml/classes";
import { writeLinearClassifier, writeTreeEnsembleClassifier, type OnnxModelMeta, type TreeNode } from "../../core/onnx/writer";
import type { ParityCase, ParityFixture } from "./parity-fixture";

export const PARITY_FEATURES = 34;

/** mulberry32: small seeded PRNG so the fixture is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

function randomTree(r: () => number, f: number, depth: number): { nodes: TreeNode[] } {
  const nodes: TreeNode[] = [];
  const grow = (d: number): number => {
    const id = nodes.length;
    if (d === depth || (d > 1 && r() < 0.15)) {
      nodes.push({ leaf: true, values: [normal(r) * 0.3, normal(r) * 0.3, normal(r) * 0.3] });
      return id;
    }
    const branch = { feature: Math.floor(r() * f), threshold: normal(r) * 0.8, left: 0, right: 0 };
    nodes.push(branch);
    branch.left = grow(d + 1);
    branch.right = grow(d + 1);
    return id;
  };
  grow(0);
  return { nodes };
}

function rows(r: () => number, n: number, f: number): Float32Array {
  const x = new Float32Array(n * f);
  for (let i = 0; i < x.length; i++) x[i] = normal(r) * (1 + (i % f) / 10);
  return x;
}

async function native(bytes: Uint8Array, x: Float32Array, n: number, f: number): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [MODEL_INPUT_NAME]: new ort.Tensor("float32", x, [n, f]) });
  await session.release();
  return Array.from(out[MODEL_PROBABILITIES_NAME]!.data as Float32Array);
}

export async function buildParityFixture(): Promise<ParityFixture> {
  const f = PARITY_FEATURES;
  const r = rng(20260426);
  const meta = (name: string): OnnxModelMeta => ({ producer: "edgetrader-parity", featureSchemaName: name, featureSchemaHash: "parity", featureCount: f });
  const models: Array<[string, Uint8Array]> = [
    [
      "linear",
      writeLinearClassifier({
        coefficients: Array.from({ length: 3 * f }, () => normal(r) * 0.4),
        intercepts: [normal(r), normal(r), normal(r)],
        preScale: { mean: Array.from({ length: f }, () => normal(r)), scale: Array.from({ length: f }, () => 0.5 + r() * 2) },
        meta: meta("linear"),
      }),
    ],
    ["trees", writeTreeEnsembleClassifier({ trees: Array.from({ length: 12 }, () => randomTree(r, f, 5)), baseValues: [0.1, 0.2, -0.1], postTransform: "SOFTMAX", meta: meta("trees") })],
  ];
  const batchSizes: Array<[string, number]> = [["single row", 1], ["37 rows", 37], ["1000 rows", 1000]];
  const inputs = batchSizes.map(([name, n]) => ({ name, n, x: rows(r, n, f) }));
  const cases: ParityCase[] = [];
  for (const [name, bytes] of models) {
    const batches = [];
    for (const { name: bname, n, x } of inputs) batches.push({ name: bname, n, rows: Array.from(x), native: await native(bytes, x, n, f) });
    cases.push({ name, featureCount: f, modelBytes: Array.from(bytes), batches });
  }
  return { ortNodeVersion: ort.env.versions.node ?? ort.env.versions.common, cases };
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide("onnxParity", await buildParityFixture());
}
