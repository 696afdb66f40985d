// Runs in Node before the workerd tests: builds models with our ONNX writer, runs fixed rows through
// onnxruntime-node (the native reference) and provides bytes, rows and native outputs to the tests.
import * as ort from "onnxruntime-node";
import type { TestProject } from "vitest/node";
import { MODEL_INPUT_NAME, MODEL_PROBABILITIES_NAME } from "../../core/onnx/classes";
import { sampleLinearModel, sampleRows, sampleTreeModel } from "../../core/onnx/sample-models";
import type { ParityCase, ParityFixture } from "./parity-fixture";

export const PARITY_FEATURES = 34;

async function native(bytes: Uint8Array, x: Float32Array, n: number, f: number): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [MODEL_INPUT_NAME]: new ort.Tensor("float32", x, [n, f]) });
  await session.release();
  return Array.from(out[MODEL_PROBABILITIES_NAME]!.data as Float32Array);
}

export async function buildParityFixture(): Promise<ParityFixture> {
  const f = PARITY_FEATURES;
  const models: Array<[string, Uint8Array]> = [
    ["linear", sampleLinearModel(f, 11)],
    ["trees", sampleTreeModel(f, 12)],
  ];
  const batchSizes: Array<[string, number]> = [
    ["single row", 1],
    ["37 rows", 37],
    ["1000 rows", 1000],
  ];
  const inputs = batchSizes.map(([name, n], i) => ({ name, n, x: sampleRows(n, f, 100 + i) }));
  const cases: ParityCase[] = [];
  for (const [name, bytes] of models) {
    const batches = [];
    for (const { name: bname, n, x } of inputs)
      batches.push({ name: bname, n, rows: Array.from(x), native: await native(bytes, x, n, f) });
    cases.push({ name, featureCount: f, modelBytes: Array.from(bytes), batches });
  }
  return { ortNodeVersion: ort.env.versions.node ?? ort.env.versions.common, cases };
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide("onnxParity", await buildParityFixture());
}
