// Runs a contract model on feature rows and returns the [n, 3] class probabilities, row-major.
import { CLASSES } from "../../core/onnx/classes";
import { errorMessage } from "../../core/util/error-message";
import type { InferenceErrorCode } from "../../platform/rpc/user-bot";
import { ort } from "./ort-runtime";

export type { InferenceErrorCode };

/** Every failure of loading or running a model, typed so callers mark the model unhealthy instead of crashing. */
export class InferenceError extends Error {
  override readonly name = "InferenceError";
  constructor(
    readonly code: InferenceErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A loaded session and the names the model contract resolved for it. */
export interface LoadedModel {
  session: ort.InferenceSession;
  inputName: string;
  probabilitiesName: string;
  featureCount: number;
}

export async function runProbabilities(
  model: LoadedModel,
  rows: Float32Array,
  n: number,
  f: number,
): Promise<Float32Array> {
  if (!Number.isInteger(n) || n < 1)
    throw new InferenceError("bad_input", `row count must be a positive integer, got ${n}`);
  if (f !== model.featureCount)
    throw new InferenceError("bad_input", `rows have ${f} features, the model expects ${model.featureCount}`);
  if (rows.length !== n * f)
    throw new InferenceError("bad_input", `expected ${n} x ${f} = ${n * f} values, got ${rows.length}`);
  let out: ort.InferenceSession.ReturnType;
  try {
    const input = new ort.Tensor("float32", rows, [n, f]);
    out = await model.session.run({ [model.inputName]: input }, [model.probabilitiesName]);
  } catch (err) {
    throw new InferenceError("run_failed", `model run failed: ${errorMessage(err).trim()}`);
  }
  const probs = out[model.probabilitiesName];
  const k = CLASSES.length;
  if (!probs || probs.type !== "float32" || probs.dims.length !== 2 || probs.dims[0] !== n || probs.dims[1] !== k) {
    throw new InferenceError(
      "bad_output",
      `output '${model.probabilitiesName}' is ${probs ? `${probs.type} [${probs.dims.join(", ")}]` : "missing"}, expected float32 [${n}, ${k}]`,
    );
  }
  return new Float32Array(probs.data as Float32Array);
}
