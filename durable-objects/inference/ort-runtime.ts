// onnxruntime-web inside workerd (recipe and why: docs/INFERENCE.md, PLATFORM.md). workerd refuses
// to compile WebAssembly from bytes at run time, but instantiating a precompiled Module is allowed
// and wrangler turns the `.wasm` import below into one. ORT 1.30 has no option that takes a Module,
// so the backend gets a marker `wasmBinary`, and the one `WebAssembly.instantiate(marker, imports)`
// its emscripten glue makes during start-up is answered with the precompiled Module.
// Pinned to onnxruntime-web 1.30.0; the parity test (test/workers/inference.test.ts) guards upgrades.

import ortWasmModule from "onnxruntime-web/ort-wasm-simd-threaded.wasm";
import * as ort from "onnxruntime-web/wasm";
import { writeLinearClassifier } from "../../core/onnx/writer";

export { ort };

const MARKER = new TextEncoder().encode("edgetrader:ort-wasm-marker");

function isMarker(source: unknown): boolean {
  if (source === MARKER || source === MARKER.buffer) return true;
  const bytes = ArrayBuffer.isView(source)
    ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
    : source instanceof ArrayBuffer
      ? new Uint8Array(source)
      : undefined;
  return bytes !== undefined && bytes.length === MARKER.length && bytes.every((b, i) => b === MARKER[i]);
}

/** A tiny model the start-up creates once, so the backend starts inside the intercept window. */
const WARMUP_MODEL = writeLinearClassifier({
  coefficients: [0, 0, 0],
  intercepts: [0, 0, 0],
  meta: { producer: "edgetrader-warmup", featureSchemaName: "warmup", featureSchemaHash: "warmup", featureCount: 1 },
});

let ready: Promise<void> | undefined;
let interceptedCalls = 0;
let startupMs: number | undefined;

/** Starts the ORT wasm backend once per isolate; concurrent callers share the start-up. */
export function ortReady(): Promise<void> {
  ready ??= start().catch((err: unknown) => {
    ready = undefined; // a later call may retry (ORT itself refuses a second init after a failure)
    throw err;
  });
  return ready;
}

async function start(): Promise<void> {
  const started = Date.now();
  ort.env.wasm.numThreads = 1; // no SharedArrayBuffer workers in workerd
  ort.env.wasm.proxy = false; // no Web Worker proxy either
  ort.env.wasm.wasmBinary = MARKER;
  const original = WebAssembly.instantiate;
  const instantiate = original as (source: unknown, imports?: WebAssembly.Imports) => Promise<unknown>;
  WebAssembly.instantiate = ((source: unknown, imports?: WebAssembly.Imports): Promise<unknown> => {
    if (!isMarker(source)) return instantiate.call(WebAssembly, source, imports);
    interceptedCalls++;
    // A Module argument resolves to an Instance; the glue expects the bytes form's { instance, module }.
    return (instantiate.call(WebAssembly, ortWasmModule, imports) as Promise<WebAssembly.Instance>).then(
      (instance) => ({ instance, module: ortWasmModule }),
    );
  }) as typeof WebAssembly.instantiate;
  try {
    const session = await ort.InferenceSession.create(WARMUP_MODEL, { executionProviders: ["wasm"] });
    await session.release();
  } finally {
    WebAssembly.instantiate = original;
  }
  if (interceptedCalls !== 1)
    throw new Error(
      `onnxruntime-web start-up made ${interceptedCalls} marker instantiate calls, expected 1 (ORT version changed?)`,
    );
  startupMs = Date.now() - started;
}

/** What the start-up did; for health, tests and the benchmark. */
export function ortStatus(): {
  started: boolean;
  startupMs: number | undefined;
  interceptedCalls: number;
  version: string;
} {
  return { started: startupMs !== undefined, startupMs, interceptedCalls, version: ort.env.versions.web ?? "unknown" };
}

export async function createSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  await ortReady();
  return ort.InferenceSession.create(bytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
}
