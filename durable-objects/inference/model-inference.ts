// Model inference for one Durable Object: sessions loaded from R2 and cached per model version
// key (an R2 key names one immutable version), bounded LRU so a user with many models can't hold
// unbounded wasm memory. Failures come back as typed results, never as a thrown crash.
import { probabilityProblem } from "../../core/ensemble/consensus";
import { CLASSES } from "../../core/onnx/classes";
import { contractTestRows, PROBABILITY_ROW_TOLERANCE, validateModelContract } from "../../core/onnx/contract";
import { errorMessage } from "../../core/util/error-message";
import type { PredictProbabilitiesResult, VerifyModelResult } from "../../platform/rpc/user-bot";
import { LruCache } from "./lru-cache";
import { createSession } from "./ort-runtime";
import { InferenceError, type LoadedModel, ortError, runProbabilities } from "./run";

export const DEFAULT_MAX_SESSIONS = 8;

export type { PredictProbabilitiesResult, VerifyModelResult };

/**
 * A cached session. Eviction must not free a session another request is running on (its run awaits
 * inside ORT): release waits until no run is in flight, and a run never starts on a released one.
 */
interface CachedModel {
  model: LoadedModel;
  inFlight: number;
  evicted: boolean;
  released: boolean;
}

function releaseIfIdle(c: CachedModel): void {
  if (c.evicted && c.inFlight === 0 && !c.released) {
    c.released = true;
    void c.model.session.release().catch(() => {});
  }
}

export class ModelInference {
  readonly sessions: LruCache<CachedModel>;

  constructor(
    private readonly bucket: () => R2Bucket,
    maxSessions = DEFAULT_MAX_SESSIONS,
  ) {
    this.sessions = new LruCache<CachedModel>(maxSessions, (c) => {
      c.evicted = true;
      releaseIfIdle(c);
    });
  }

  private entry(modelKey: string, featureCount: number): Promise<CachedModel> {
    return this.sessions.get(modelKey, async () => ({
      model: await this.loadFromStore(modelKey, featureCount),
      inFlight: 0,
      evicted: false,
      released: false,
    }));
  }

  /** The cached session for modelKey, loading and checking the artifact on a miss. */
  async load(modelKey: string, featureCount: number): Promise<LoadedModel> {
    return (await this.entry(modelKey, featureCount)).model;
  }

  /** Runs on the cached session, holding it so an eviction meanwhile can't release it mid-run. */
  private async run(modelKey: string, rows: Float32Array, n: number, featureCount: number): Promise<Float32Array> {
    for (let attempt = 0; ; attempt++) {
      const c = await this.entry(modelKey, featureCount);
      // No await between this check and the increment: nothing can release it in between.
      if (c.released) {
        // Defensive: the LRU disposes after the entry's promise settles, so a waiting run normally
        // gets in first; if it ever loses, the next get() loads the model again.
        if (attempt < 2) continue;
        throw new InferenceError(
          "run_failed",
          `the session for '${modelKey}' kept being evicted; too many models in use at once`,
        );
      }
      c.inFlight++;
      try {
        return await runProbabilities(c.model, rows, n, featureCount);
      } finally {
        c.inFlight--;
        releaseIfIdle(c);
      }
    }
  }

  async predict(modelKey: string, rows: Float32Array, featureCount: number): Promise<PredictProbabilitiesResult> {
    try {
      if (
        !Number.isInteger(featureCount) ||
        featureCount < 1 ||
        rows.length === 0 ||
        rows.length % featureCount !== 0
      ) {
        throw new InferenceError("bad_input", `expected rows of ${featureCount} features, got ${rows.length} values`);
      }
      const n = rows.length / featureCount;
      return { ok: true, modelKey, rows: n, probabilities: await this.run(modelKey, rows, n, featureCount) };
    } catch (err) {
      const e = err instanceof InferenceError ? err : new InferenceError("run_failed", errorMessage(err));
      return { ok: false, modelKey, error: { code: e.code, message: e.message } };
    }
  }

  /**
   * Loads bytes into a throwaway session and runs the contract's test rows: catches what the static
   * contract check can't (kernels onnxruntime refuses, outputs that are not probability rows) before
   * an upload is stored. Runtime messages come back short; the full text goes to the log.
   */
  async verify(bytes: Uint8Array, featureCount: number): Promise<VerifyModelResult> {
    let model: LoadedModel | undefined;
    try {
      model = await loadModel(bytes, featureCount, "the model");
      const rows = contractTestRows(featureCount);
      const n = rows.length / featureCount;
      const out = await runProbabilities(model, rows, n, featureCount);
      const k = CLASSES.length;
      for (let r = 0; r < n; r++) {
        const problem = probabilityProblem(Array.from(out.subarray(r * k, (r + 1) * k)), PROBABILITY_ROW_TOLERANCE);
        if (problem)
          throw new InferenceError(
            "bad_output",
            `test row ${r + 1} of ${n}: ${problem}; the output must be class probabilities (non-negative, each row summing to 1 within ${PROBABILITY_ROW_TOLERANCE}), e.g. a softmax`,
          );
      }
      return { ok: true };
    } catch (err) {
      const e = err instanceof InferenceError ? err : ortError("run_failed", "the model failed", err);
      if (e.detail)
        console.warn(
          JSON.stringify({
            level: "warn",
            msg: "model verification failed",
            code: e.code,
            detail: e.detail.slice(0, 4000),
          }),
        );
      return { ok: false, error: { code: e.code, message: e.message } };
    } finally {
      await model?.session.release();
    }
  }

  private async loadFromStore(modelKey: string, featureCount: number): Promise<LoadedModel> {
    const object = await this.bucket().get(modelKey);
    if (!object) throw new InferenceError("model_not_found", `no model artifact at '${modelKey}'`);
    const bytes = new Uint8Array(await object.arrayBuffer());
    return loadModel(bytes, featureCount, modelKey);
  }
}

/** Checks the contract (so input/output names are known) and creates the ORT session. */
export async function loadModel(bytes: Uint8Array, featureCount: number, label = "model"): Promise<LoadedModel> {
  const contract = validateModelContract(bytes, { featureCount });
  if (!contract.ok)
    throw new InferenceError(
      "model_load_failed",
      `${label} breaks the model contract: ${contract.errors.map((e) => e.message).join("; ")}`,
    );
  try {
    const session = await createSession(bytes);
    return {
      session,
      inputName: contract.info.inputName,
      probabilitiesName: contract.info.probabilitiesName,
      featureCount,
    };
  } catch (err) {
    throw ortError("model_load_failed", `${label} could not be loaded by onnxruntime`, err);
  }
}
