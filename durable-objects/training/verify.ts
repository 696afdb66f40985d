import { loadModel, runProbabilities } from "../inference";

/**
 * Runs freshly exported ONNX bytes once in this object's onnxruntime (the runtime that will serve the
 * model) and releases the session: the trainer's last check before a version is stored.
 */
export async function runOnnxOnce(bytes: Uint8Array, rows: Float32Array, featureCount: number): Promise<Float32Array> {
  const model = await loadModel(bytes, featureCount, "trained model");
  try {
    return await runProbabilities(model, rows, rows.length / featureCount, featureCount);
  } finally {
    await model.session.release();
  }
}
