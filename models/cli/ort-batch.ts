// Batched model probabilities for the backtester in Node: onnxruntime-node sessions, one per timeframe.
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import type { PredictBatch } from "../../core/backtest/engine";
import type { Timeframe } from "../../core/market/timeframes";
import { MODEL_INPUT_NAME, MODEL_PROBABILITIES_NAME } from "../../core/onnx/classes";

/** ORT caps nothing, but very large tensors cost memory for nothing: run in chunks. */
const CHUNK = 65_536;

export async function ortPredictBatch(
  files: Partial<Record<Timeframe, string | Uint8Array>>,
): Promise<PredictBatch & { release(): Promise<void> }> {
  const sessions = new Map<Timeframe, ort.InferenceSession>();
  for (const [tf, file] of Object.entries(files) as [Timeframe, string | Uint8Array][]) {
    const bytes = typeof file === "string" ? readFileSync(file) : file;
    sessions.set(tf, await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 }));
  }
  const predict = async (tf: Timeframe, rows: Float32Array, n: number, f: number): Promise<Float32Array | null> => {
    const s = sessions.get(tf);
    if (!s) return null;
    const out = new Float32Array(n * 3);
    for (let a = 0; a < n; a += CHUNK) {
      const m = Math.min(CHUNK, n - a);
      const res = await s.run({
        [MODEL_INPUT_NAME]: new ort.Tensor("float32", rows.subarray(a * f, (a + m) * f), [m, f]),
      });
      out.set((res[MODEL_PROBABILITIES_NAME]!.data as Float32Array).subarray(0, m * 3), a * 3);
    }
    return out;
  };
  return Object.assign(predict, {
    release: async () => {
      for (const s of sessions.values()) await s.release();
    },
  });
}
