// The model contract every model (ours or a user's upload) must meet before it is stored or run:
// one float input [N, F] with N dynamic and F the declared schema's feature count, and class
// probabilities as a plain float tensor [N, 3] in CLASSES order. Every violation is reported with a
// message that says exactly what is wrong and, where it helps, how to export it right.

import { errorMessage } from "../util/error-message";
import { CLASSES, MODEL_PROBABILITIES_NAME } from "./classes";
import { DataType, decodeModel, type ModelProto, type TypeProto, type ValueInfoProto } from "./proto";
import { META_KEYS } from "./writer";

export type ContractErrorCode =
  | "not_onnx"
  | "input_count"
  | "input_type"
  | "input_shape"
  | "feature_count"
  | "no_probabilities"
  | "probabilities_shape"
  | "zipmap_output"
  | "schema_mismatch"
  | "unsupported_domain"
  | "unsupported_opset";

export interface ContractError {
  code: ContractErrorCode;
  message: string;
}

export interface TensorSummary {
  name: string;
  /** e.g. "float [N, 34]", "int64 [N]", "seq(map(int64, float))". */
  type: string;
}

export interface ModelContractInfo {
  inputName: string;
  probabilitiesName: string;
  featureCount: number;
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  opsets: Array<{ domain: string; version: number }>;
  producer: string;
  metadata: Record<string, string>;
}

export interface ContractExpectation {
  featureCount: number;
  featureSchemaHash?: string;
  /** How messages name the declared schema, e.g. "'ohlcv-core' v1" ("the declared schema 'ohlcv-core' v1 has 34"). */
  schemaLabel?: string;
}

export type ContractResult = { ok: true; info: ModelContractInfo } | { ok: false; errors: ContractError[] };

/** Operator domains and the highest opset onnxruntime 1.30 loads (checked: 27 and ml 6 are refused). */
export const SUPPORTED_OPSETS: Readonly<Record<string, number>> = { "": 26, "ai.onnx": 26, "ai.onnx.ml": 5 };

const ELEM_NAMES: Record<number, string> = {
  1: "float",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  8: "string",
  9: "bool",
  10: "float16",
  11: "double",
  12: "uint32",
  13: "uint64",
  16: "bfloat16",
};
const elemName = (t: number) => ELEM_NAMES[t] ?? `type#${t}`;
const N_CLASSES = CLASSES.length;

type Dim = number | string | null;
function dims(t: TypeProto | undefined): Dim[] | undefined {
  const shape = t?.tensorType?.shape;
  if (!shape) return undefined;
  return shape.dim.map((d) =>
    d.dimValue !== undefined && d.dimValue > 0
      ? d.dimValue
      : d.dimParam !== undefined && d.dimParam !== ""
        ? d.dimParam
        : null,
  );
}
const dimText = (d: Dim) => (d === null ? "?" : String(d));

export function describeType(t: TypeProto | undefined): string {
  if (!t) return "untyped";
  if (t.tensorType) {
    const d = dims(t);
    return `${elemName(t.tensorType.elemType)}${d ? ` [${d.map(dimText).join(", ")}]` : ""}`;
  }
  if (t.sequenceType) return `seq(${describeType(t.sequenceType.elemType)})`;
  if (t.mapType) return `map(${elemName(t.mapType.keyType)}, ${describeType(t.mapType.valueType)})`;
  if (t.optionalType) return `optional(${describeType(t.optionalType.elemType)})`;
  if (t.sparseTensorType) return `sparse ${elemName(t.sparseTensorType.elemType)}`;
  return "unknown type";
}

const isMapLike = (t: TypeProto | undefined): boolean =>
  !!t && (!!t.mapType || isMapLike(t.sequenceType?.elemType) || isMapLike(t.optionalType?.elemType));
const isProbTensor = (v: ValueInfoProto): boolean => {
  const d = dims(v.type);
  return v.type?.tensorType?.elemType === DataType.FLOAT && d !== undefined && d.length === 2 && d[1] === N_CLASSES;
};

export function validateModelContract(bytes: Uint8Array, expected: ContractExpectation): ContractResult {
  const schema = expected.schemaLabel ? `the declared schema ${expected.schemaLabel}` : "the declared schema";
  let model: ModelProto;
  try {
    if (bytes.length === 0) throw new Error("empty body");
    model = decodeModel(bytes);
  } catch (err) {
    return fail(
      "not_onnx",
      `the file is not an ONNX model (protobuf ModelProto could not be parsed: ${errorMessage(err)})`,
    );
  }
  const graph = model.graph;
  if (!graph || model.irVersion <= 0) {
    return fail("not_onnx", `the file is not an ONNX model (${graph ? "no ir_version" : "no graph"})`);
  }
  const errors: ContractError[] = [];
  const metadata = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));

  // Opsets and operator domains: anything ORT-web can't run is refused now, not at first prediction.
  for (const o of model.opsetImport) {
    const max = SUPPORTED_OPSETS[o.domain];
    if (max === undefined)
      errors.push({
        code: "unsupported_domain",
        message: `operator domain '${o.domain}' is not supported (supported: ai.onnx, ai.onnx.ml)`,
      });
    else if (o.version > max)
      errors.push({
        code: "unsupported_opset",
        message: `opset ${o.version} of domain '${o.domain || "ai.onnx"}' is newer than the runtime supports (max ${max}); re-export with target_opset <= ${max}`,
      });
  }
  const declared = new Set(model.opsetImport.map((o) => o.domain));
  for (const node of graph.node) {
    if (SUPPORTED_OPSETS[node.domain] === undefined && declared.has(node.domain)) continue; // already reported above
    if (SUPPORTED_OPSETS[node.domain] === undefined)
      errors.push({
        code: "unsupported_domain",
        message: `node '${node.name || node.opType}' uses operator ${node.domain}.${node.opType} from an unsupported domain`,
      });
  }

  // Inputs: initializers listed as graph inputs (IR < 4 exporters) are weights, not inputs.
  const weights = new Set(graph.initializer.map((t) => t.name));
  const inputs = graph.input.filter((i) => !weights.has(i.name));
  let inputName = "";
  let featureCount = 0;
  if (inputs.length !== 1) {
    errors.push({
      code: "input_count",
      message: `the model has ${inputs.length} inputs (${inputs.map((i) => `'${i.name}'`).join(", ") || "none"}); it must have exactly one float input [N, ${expected.featureCount}]`,
    });
  } else {
    const input = inputs[0]!;
    inputName = input.name;
    const d = dims(input.type);
    if (input.type?.tensorType?.elemType !== DataType.FLOAT) {
      errors.push({
        code: "input_type",
        message: `input '${input.name}' is ${describeType(input.type)}; it must be float [N, ${expected.featureCount}] (cast to float32 when exporting)`,
      });
    } else if (!d || d.length !== 2) {
      errors.push({
        code: "input_shape",
        message: `input '${input.name}' has shape ${d ? `[${d.map(dimText).join(", ")}]` : "unknown"}; it must be [N, ${expected.featureCount}] (rows x features)`,
      });
    } else {
      const [n, f] = d;
      if (typeof n === "number")
        errors.push({
          code: "input_shape",
          message: `input '${input.name}' has a fixed batch size of ${n}; the first dimension must be dynamic (e.g. initial_types [None, ${expected.featureCount}] or dynamic_axes)`,
        });
      if (typeof f !== "number")
        errors.push({
          code: "feature_count",
          message: `input '${input.name}' has a dynamic feature dimension '${dimText(f ?? null)}'; it must be fixed to ${expected.featureCount} (the feature count of ${schema})`,
        });
      else if (f !== expected.featureCount)
        errors.push({
          code: "feature_count",
          message: `input '${input.name}' has ${f} features, ${schema} has ${expected.featureCount}`,
        });
      else featureCount = f;
    }
  }

  // Probabilities: by contract name, else the only float [N, 3] output. Map outputs are ZipMap's.
  let probabilitiesName = "";
  const named = graph.output.find((o) => o.name === MODEL_PROBABILITIES_NAME);
  const candidates = graph.output.filter(isProbTensor);
  const maps = graph.output.filter((o) => isMapLike(o.type));
  if (named && isProbTensor(named)) probabilitiesName = named.name;
  else if (named)
    errors.push({
      code: "probabilities_shape",
      message: `output '${named.name}' is ${describeType(named.type)}; it must be float [N, ${N_CLASSES}] with columns ${CLASSES.join(", ")}`,
    });
  else if (candidates.length === 1) probabilitiesName = candidates[0]!.name;
  else if (candidates.length > 1)
    errors.push({
      code: "no_probabilities",
      message: `outputs ${candidates.map((c) => `'${c.name}'`).join(", ")} are all float [N, ${N_CLASSES}]; name the class probabilities output '${MODEL_PROBABILITIES_NAME}'`,
    });
  else if (maps.length) {
    errors.push({
      code: "zipmap_output",
      message: `output '${maps[0]!.name}' is ${describeType(maps[0]!.type)} (a ZipMap); export probabilities as a plain float tensor [N, ${N_CLASSES}] instead, e.g. skl2onnx options={'zipmap': False}`,
    });
  } else {
    const floats2d = graph.output.filter(
      (o) => o.type?.tensorType?.elemType === DataType.FLOAT && dims(o.type)?.length === 2,
    );
    const seen = graph.output.map((o) => `'${o.name}' ${describeType(o.type)}`).join(", ") || "none";
    errors.push({
      code: floats2d.length ? "probabilities_shape" : "no_probabilities",
      message: `no output is float [N, ${N_CLASSES}] class probabilities (outputs: ${seen}); the model must output probabilities for ${N_CLASSES} classes ${CLASSES.join(", ")} as a plain tensor`,
    });
  }

  // A model that records its feature schema must have been trained on the declared one.
  const recorded = metadata[META_KEYS.featureSchemaHash];
  if (expected.featureSchemaHash !== undefined && recorded !== undefined && recorded !== expected.featureSchemaHash) {
    errors.push({
      code: "schema_mismatch",
      message: `the model was built for feature schema hash '${recorded}', ${schema} has hash '${expected.featureSchemaHash}'`,
    });
  }

  // The metadata's feature_count (our writer and many exporters record it) must agree with the schema.
  const recordedCount = metadata[META_KEYS.featureCount];
  if (
    recordedCount !== undefined &&
    Number(recordedCount) !== expected.featureCount &&
    !errors.some((e) => e.code === "feature_count")
  ) {
    errors.push({
      code: "feature_count",
      message: `the model's metadata says feature_count ${JSON.stringify(recordedCount).slice(0, 40)}, ${schema} has ${expected.featureCount}`,
    });
  }

  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    info: {
      inputName,
      probabilitiesName,
      featureCount,
      inputs: inputs.map((i) => ({ name: i.name, type: describeType(i.type) })),
      outputs: graph.output.map((o) => ({ name: o.name, type: describeType(o.type) })),
      opsets: model.opsetImport.map((o) => ({ domain: o.domain, version: o.version })),
      producer: [model.producerName, model.producerVersion].filter(Boolean).join(" "),
      metadata,
    },
  };
}

function fail(code: ContractErrorCode, message: string): ContractResult {
  return { ok: false, errors: [{ code, message }] };
}

/** How far from 1 a row of an uploaded model's probabilities may sum (float32 rounding only). */
export const PROBABILITY_ROW_TOLERANCE = 1e-4;
export const CONTRACT_TEST_ROW_COUNT = 8;

/**
 * The contract's test rows, run on every upload before it is stored: all zeros, all +-1, and
 * deterministic rows from small to large magnitudes, so a model whose outputs are not probability
 * rows for any input the ensemble may give it is refused up front.
 */
export function contractTestRows(featureCount: number): Float32Array {
  const rows = new Float32Array(CONTRACT_TEST_ROW_COUNT * featureCount);
  const scales = [0, 1, -1, 0.5, 2, 5, 20, 100];
  for (let r = 0; r < CONTRACT_TEST_ROW_COUNT; r++) {
    for (let j = 0; j < featureCount; j++) {
      const wave = r < 3 ? 1 : Math.sin((r + 1) * 12.9898 + j * 78.233);
      rows[r * featureCount + j] = scales[r]! * wave;
    }
  }
  return rows;
}
