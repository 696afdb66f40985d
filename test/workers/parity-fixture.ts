// What the Node globalSetup (native-reference.global-setup.ts) hands to the workerd tests: models
// written by core/onnx/writer.ts, input rows, and onnxruntime-node's outputs for them. Plain
// number arrays so the values cross the Node -> workerd boundary unchanged (all are float32-exact).
export interface ParityBatch {
  name: string;
  n: number;
  rows: number[];
  native: number[];
}
export interface ParityCase {
  name: string;
  featureCount: number;
  modelBytes: number[];
  batches: ParityBatch[];
}
export interface ParityFixture {
  ortNodeVersion: string;
  cases: ParityCase[];
}

declare module "vitest" {
  export interface ProvidedContext {
    onnxParity: ParityFixture;
  }
}
