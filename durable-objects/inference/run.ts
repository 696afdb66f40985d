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
    /** The runtime's full text (build paths, C++ signatures): for the log, never for a client. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

const ORT_SOURCE_PATH = /\S*\/[^\s/]+\.(?:cc|cpp|cxx|h|hpp)(?::\d+)?/g;
const CPP_SIGNATURE = /(?:[A-Za-z_]\w*::)+~?[A-Za-z_]\w*(?:<[^<>]*>)?\((?:[^()]|\([^()]*\))*\)(?:\s*const)?/g;
export const SHORT_ERROR_MAX = 200;

/** onnxruntime's message without its build paths and C++ signatures, cut to SHORT_ERROR_MAX characters. */
export function shortOrtMessage(err: unknown): string {
  const raw = errorMessage(err).replace(ORT_SOURCE_PATH, "").replace(CPP_SIGNATURE, "");
  const text = raw
    .replace(/\s+/g, " ")
    .replace(/\s+([:,.])/g, "$1")
    .trim();
  return text.length > SHORT_ERROR_MAX
    ? `${text.slice(0, SHORT_ERROR_MAX - 3)}...`
    : text || "unknown onnxruntime error";
}

export function ortError(code: InferenceErrorCode, prefix: string, err: unknown): InferenceError {
  return new InferenceError(code, `${prefix}: ${shortOrtMessage(err)}`, errorMessage(err).trim());
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
    throw ortError("run_failed", "model run failed", err);
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
