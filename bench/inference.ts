// Inference inside the Durable Object (onnxruntime-web wasm in workerd) vs onnxruntime-node (native),
// same models and rows; plus ORT start-up in the object. Run: npx tsx bench/inference.ts
// Writes bench/results/inference.json and prints a table. Numbers vary with the machine: this is a
// benchmark, not a test, and nothing here asserts on time.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { unstable_startWorker } from "wrangler";
import { MODEL_INPUT_NAME, MODEL_PROBABILITIES_NAME } from "../core/onnx/classes";
import { sampleLinearModel, sampleRows, sampleTreeModel } from "../core/onnx/sample-models";
import type { BenchRequest, BenchResponse } from "./inference-worker-protocol";

const F = 34;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 3);
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

const models = {
  linear_scaled: sampleLinearModel(F, 11),
  linear: sampleLinearModel(F, 11, false),
  trees: sampleTreeModel(F, 12, 100, 6),
};
const batches = [
  { name: "single row", n: 1, iterations: 3000 },
  { name: "1000 rows", n: 1000, iterations: 100 },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** A native session timed the same way: a loop of `iterations` calls, one sample per call of sample(). */
async function nativeTimer(bytes: Uint8Array, rows: Float32Array, n: number, iterations: number) {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const run = async () =>
    (await session.run({ [MODEL_INPUT_NAME]: new ort.Tensor("float32", rows, [n, F]) }))[MODEL_PROBABILITIES_NAME]!;
  for (let i = 0; i < Math.min(50, iterations); i++) await run();
  return {
    async sample(): Promise<number> {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) await run();
      return Number(process.hrtime.bigint() - t0) / 1000 / iterations;
    },
    release: () => session.release(),
  };
}

async function startBenchWorker() {
  const worker = await unstable_startWorker({
    config: here("./inference-worker.wrangler.toml"),
    dev: {
      server: { hostname: "127.0.0.1", port: 0 },
      inspector: false,
      watch: false,
      persist: false,
      logLevel: "warn",
    },
  });
  await worker.ready;
  return worker;
}
type BenchWorker = Awaited<ReturnType<typeof startBenchWorker>>;

async function inObject(
  worker: BenchWorker,
  bytes: Uint8Array,
  rows: Float32Array,
  n: number,
  iterations: number,
  rounds = ROUNDS,
): Promise<BenchResponse> {
  const body: BenchRequest = {
    modelBase64: Buffer.from(bytes).toString("base64"),
    rows: Array.from(rows),
    n,
    f: F,
    iterations,
    rounds,
  };
  const res = await worker.fetch("http://bench/", {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "Content-Type": "application/json" },
  });
  if (!res.ok) throw new Error(`bench worker answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as BenchResponse;
}

async function main() {
  const loadAtStart = loadavg().map((x) => round(x, 2));
  process.env.WRANGLER_SEND_METRICS ??= "false";
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  process.env.WRANGLER_HIDE_BANNER ??= "true";

  // Cold starts: a fresh workerd each time; the first request pays ORT start-up in the object.
  const cold: Array<{ ortStartupMs: number; firstRequestMs: number }> = [];
  const oneRow = sampleRows(1, F, 7);
  for (let i = 0; i < COLD_STARTS; i++) {
    const worker = await startBenchWorker();
    try {
      const t0 = performance.now();
      const r = await inObject(worker, models.linear_scaled, oneRow, 1, 1, 1);
      const firstRequestMs = performance.now() - t0;
      if (!r.firstCallInThisIsolate || r.startupMs === undefined) throw new Error("expected a cold isolate");
      cold.push({ ortStartupMs: r.startupMs, firstRequestMs: round(firstRequestMs) });
    } finally {
      await worker.dispose();
    }
  }

  const worker = await startBenchWorker();
  const results: Array<Record<string, unknown>> = [];
  let ortWebVersion = "";
  try {
    for (const [modelName, bytes] of Object.entries(models)) {
      for (const b of batches) {
        const rows = sampleRows(b.n, F, 42);
        // Object and native samples alternate, so both see the same background load on a shared machine.
        const native = await nativeTimer(bytes, rows, b.n, b.iterations);
        const objSamples: number[] = [];
        const natSamples: number[] = [];
        let loadMs = 0;
        for (let r = 0; r < ROUNDS; r++) {
          const obj = await inObject(worker, bytes, rows, b.n, b.iterations, 1);
          ortWebVersion = obj.ortVersion;
          loadMs = obj.loadMs;
          objSamples.push(obj.perCallUs[0]!);
          natSamples.push(await native.sample());
        }
        await native.release();
        const objectUs = median(objSamples);
        const nativeUs = median(natSamples);
        results.push({
          model: modelName,
          batch: b.name,
          rows: b.n,
          iterations_per_sample: b.iterations,
          samples: ROUNDS,
          object_us_per_call: round(objectUs, 2),
          native_us_per_call: round(nativeUs, 2),
          ratio: round(objectUs / nativeUs, 2),
          median_paired_ratio: round(median(objSamples.map((o, i) => o / natSamples[i]!)), 2),
          object_samples_us: objSamples.map((x) => round(x, 2)),
          native_samples_us: natSamples.map((x) => round(x, 2)),
          object_session_load_ms: loadMs,
        });
      }
    }
  } finally {
    await worker.dispose();
  }

  const out = {
    bench: "inference",
    when: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? "unknown",
      node: process.version,
      loadavg_at_start: loadAtStart,
    },
    versions: { onnxruntime_web: ortWebVersion, onnxruntime_node: ort.env.versions.node ?? ort.env.versions.common },
    features: F,
    models: {
      linear_scaled: "Sub, Div (in-graph standardisation), LinearClassifier SOFTMAX: 3 nodes",
      linear: "LinearClassifier SOFTMAX alone: 1 node",
      trees: "TreeEnsembleClassifier, 100 trees depth <= 6, SOFTMAX",
    },
    method:
      "per-call time = (time of a loop of N calls) / N; object and native samples alternate; medians reported. Object side timed with Date.now() inside the Durable Object, native with process.hrtime; both single-threaded; tensor creation and output copy included",
    target: "single row within 1.5x native",
    cold_start: {
      runs: cold,
      median_ort_startup_ms: median(cold.map((c) => c.ortStartupMs)),
      median_first_request_ms: round(median(cold.map((c) => c.firstRequestMs))),
    },
    results,
  };
  mkdirSync(here("./results"), { recursive: true });
  writeFileSync(here("./results/inference.json"), `${JSON.stringify(out, null, 2)}\n`);

  console.log(
    `\nInference: Durable Object (onnxruntime-web ${out.versions.onnxruntime_web} wasm) vs onnxruntime-node ${out.versions.onnxruntime_node}, F=${F}, ${out.machine.cpus} CPUs`,
  );
  console.table(
    results.map((r) => ({
      model: r.model,
      batch: r.batch,
      "object us/call": r.object_us_per_call,
      "native us/call": r.native_us_per_call,
      ratio: r.ratio,
      "paired ratio": r.median_paired_ratio,
    })),
  );
  console.log(`load average at start: ${loadAtStart.join(", ")}`);
  console.log(
    `ORT start-up in the object (ms): ${cold.map((c) => c.ortStartupMs).join(", ")} (median ${out.cold_start.median_ort_startup_ms}); first request incl. start-up: median ${out.cold_start.median_first_request_ms} ms`,
  );
  console.log("written: bench/results/inference.json");
}

await main();
