// Writes our classifiers as ONNX graphs that meet the model contract (core/onnx/contract.ts):
// input "features" float [N, F], outputs "label" int64 [N] and "probabilities" float [N, 3] as a
// plain tensor (no ZipMap: onnxruntime-web can't read map outputs), class order CLASSES.
// Hand-written because no npm package exports ONNX from a JS-trained model (PLATFORM.md).
import { CLASSES, MODEL_INPUT_NAME, MODEL_PROBABILITIES_NAME } from "./classes";
import {
  type AttributeProto,
  AttributeType,
  bytesOf,
  DataType,
  encodeModel,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from "./proto";

export interface OnnxModelMeta {
  producer: string;
  featureSchemaName: string;
  featureSchemaHash: string;
  featureCount: number;
  symbol?: string;
  timeframe?: string;
  extra?: Record<string, string>;
}

export const MODEL_LABEL_NAME = "label";
/** Opsets the writer targets; onnxruntime 1.30 (web and node) runs both. */
export const OPSET_ONNX = 17;
export const OPSET_ML = 3;
/** IR version 8 goes with opset 17. */
export const IR_VERSION = 8;
/** metadata_props keys the contract check and the runtime read. */
export const META_KEYS = {
  featureSchemaName: "feature_schema_name",
  featureSchemaHash: "feature_schema_hash",
  featureCount: "feature_count",
  classes: "classes",
  symbol: "symbol",
  timeframe: "timeframe",
} as const;

const N_CLASSES = CLASSES.length;
const CLASS_LABELS = CLASSES.map((_, i) => i);

export interface LinearClassifierSpec {
  /** N_CLASSES x F, row-major: row c holds the weights of CLASSES[c]. */
  coefficients: number[];
  intercepts: number[];
  /** Optional standardisation done in the graph before the linear map: (x - mean) / scale. */
  preScale?: { mean: number[]; scale: number[] };
  meta: OnnxModelMeta;
}

export type TreeNode =
  | { feature: number; threshold: number; left: number; right: number }
  | { leaf: true; values: number[] };
export interface TreeEnsembleSpec {
  /** Node 0 is each tree's root; a branch goes left when x[feature] <= threshold. */
  trees: Array<{ nodes: TreeNode[] }>;
  /** Added to the summed leaf values before the post transform (one per class). */
  baseValues: number[];
  postTransform: "SOFTMAX" | "NONE";
  meta: OnnxModelMeta;
}

export function writeLinearClassifier(spec: LinearClassifierSpec): Uint8Array {
  const f = spec.meta.featureCount;
  checkMeta(spec.meta);
  checkVector("coefficients", spec.coefficients, N_CLASSES * f);
  checkVector("intercepts", spec.intercepts, N_CLASSES);
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  let x = MODEL_INPUT_NAME;
  if (spec.preScale) {
    checkVector("preScale.mean", spec.preScale.mean, f);
    checkVector("preScale.scale", spec.preScale.scale, f);
    if (spec.preScale.scale.some((s) => s === 0)) throw new RangeError("preScale.scale must not contain 0");
    initializers.push(
      floatTensor("scale_mean", [f], spec.preScale.mean),
      floatTensor("scale_std", [f], spec.preScale.scale),
    );
    nodes.push(
      node("Sub", "", [x, "scale_mean"], ["centered"], []),
      node("Div", "", ["centered", "scale_std"], ["scaled"], []),
    );
    x = "scaled";
  }
  nodes.push(
    node(
      "LinearClassifier",
      "ai.onnx.ml",
      [x],
      [MODEL_LABEL_NAME, MODEL_PROBABILITIES_NAME],
      [
        floats("coefficients", spec.coefficients),
        floats("intercepts", spec.intercepts),
        ints("classlabels_ints", CLASS_LABELS),
        int("multi_class", 0),
        string("post_transform", "SOFTMAX"),
      ],
    ),
  );
  return model(spec.meta, nodes, initializers);
}

export function writeTreeEnsembleClassifier(spec: TreeEnsembleSpec): Uint8Array {
  const f = spec.meta.featureCount;
  checkMeta(spec.meta);
  checkVector("baseValues", spec.baseValues, N_CLASSES);
  if (!spec.trees.length) throw new RangeError("at least one tree is required");
  const a = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    featureIds: [] as number[],
    values: [] as number[],
    modes: [] as string[],
    trueIds: [] as number[],
    falseIds: [] as number[],
    classTree: [] as number[],
    classNode: [] as number[],
    classIds: [] as number[],
    classWeights: [] as number[],
  };
  spec.trees.forEach((tree, t) => {
    if (!tree.nodes.length) throw new RangeError(`tree ${t} has no nodes`);
    tree.nodes.forEach((n, id) => {
      a.treeIds.push(t);
      a.nodeIds.push(id);
      if ("leaf" in n) {
        checkVector(`tree ${t} leaf ${id} values`, n.values, N_CLASSES);
        a.featureIds.push(0), a.values.push(0), a.modes.push("LEAF"), a.trueIds.push(0), a.falseIds.push(0);
        n.values.forEach((v, c) => {
          a.classTree.push(t), a.classNode.push(id), a.classIds.push(c), a.classWeights.push(v);
        });
      } else {
        if (!Number.isInteger(n.feature) || n.feature < 0 || n.feature >= f)
          throw new RangeError(`tree ${t} node ${id}: feature ${n.feature} is outside [0, ${f})`);
        if (!Number.isFinite(n.threshold)) throw new RangeError(`tree ${t} node ${id}: threshold must be finite`);
        for (const child of [n.left, n.right]) {
          // Children after the parent keeps every tree acyclic.
          if (!Number.isInteger(child) || child <= id || child >= tree.nodes.length)
            throw new RangeError(`tree ${t} node ${id}: child ${child} must be a later node of the tree`);
        }
        a.featureIds.push(n.feature),
          a.values.push(n.threshold),
          a.modes.push("BRANCH_LEQ"),
          a.trueIds.push(n.left),
          a.falseIds.push(n.right);
      }
    });
  });
  const ensemble = node(
    "TreeEnsembleClassifier",
    "ai.onnx.ml",
    [MODEL_INPUT_NAME],
    [MODEL_LABEL_NAME, MODEL_PROBABILITIES_NAME],
    [
      ints("nodes_treeids", a.treeIds),
      ints("nodes_nodeids", a.nodeIds),
      ints("nodes_featureids", a.featureIds),
      floats("nodes_values", a.values),
      strings("nodes_modes", a.modes),
      ints("nodes_truenodeids", a.trueIds),
      ints("nodes_falsenodeids", a.falseIds),
      ints("class_treeids", a.classTree),
      ints("class_nodeids", a.classNode),
      ints("class_ids", a.classIds),
      floats("class_weights", a.classWeights),
      ints("classlabels_int64s", CLASS_LABELS),
      floats("base_values", spec.baseValues),
      string("post_transform", spec.postTransform),
    ],
  );
  return model(spec.meta, [ensemble], []);
}

// ---------- graph pieces ----------

function model(meta: OnnxModelMeta, nodes: NodeProto[], initializer: TensorProto[]): Uint8Array {
  const f = meta.featureCount;
  const props: Record<string, string> = {
    [META_KEYS.featureSchemaName]: meta.featureSchemaName,
    [META_KEYS.featureSchemaHash]: meta.featureSchemaHash,
    [META_KEYS.featureCount]: String(f),
    [META_KEYS.classes]: CLASSES.join(","),
    ...(meta.symbol !== undefined ? { [META_KEYS.symbol]: meta.symbol } : {}),
    ...(meta.timeframe !== undefined ? { [META_KEYS.timeframe]: meta.timeframe } : {}),
    ...meta.extra,
  };
  return encodeModel({
    irVersion: IR_VERSION,
    opsetImport: [
      { domain: "", version: OPSET_ONNX },
      { domain: "ai.onnx.ml", version: OPSET_ML },
    ],
    producerName: meta.producer,
    producerVersion: "",
    domain: "",
    modelVersion: 0,
    docString: "",
    graph: {
      name: "edgetrader_classifier",
      node: nodes,
      initializer,
      input: [tensorInfo(MODEL_INPUT_NAME, DataType.FLOAT, ["N", f])],
      output: [
        tensorInfo(MODEL_LABEL_NAME, DataType.INT64, ["N"]),
        tensorInfo(MODEL_PROBABILITIES_NAME, DataType.FLOAT, ["N", N_CLASSES]),
      ],
      valueInfo: [],
    },
    metadataProps: Object.entries(props).map(([key, value]) => ({ key, value })),
  });
}

function tensorInfo(name: string, elemType: number, dims: Array<string | number>): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}
function floatTensor(name: string, dims: number[], values: number[]): TensorProto {
  return { name, dims, dataType: DataType.FLOAT, floatData: values, int32Data: [], int64Data: [], doubleData: [] };
}
function node(
  opType: string,
  domain: string,
  input: string[],
  output: string[],
  attribute: AttributeProto[],
): NodeProto {
  return { opType, domain, input, output, name: `${opType}_0`, attribute };
}
const attr = (name: string, type: number, rest: Partial<AttributeProto>): AttributeProto => ({
  name,
  type,
  floats: [],
  ints: [],
  strings: [],
  ...rest,
});
const floats = (name: string, v: number[]) => attr(name, AttributeType.FLOATS, { floats: v });
const ints = (name: string, v: number[]) => attr(name, AttributeType.INTS, { ints: v });
const int = (name: string, v: number) => attr(name, AttributeType.INT, { i: v });
const string = (name: string, v: string) => attr(name, AttributeType.STRING, { s: bytesOf(v) });
const strings = (name: string, v: string[]) => attr(name, AttributeType.STRINGS, { strings: v.map(bytesOf) });

function checkMeta(meta: OnnxModelMeta): void {
  if (!Number.isInteger(meta.featureCount) || meta.featureCount < 1)
    throw new RangeError(`featureCount must be a positive integer, got ${meta.featureCount}`);
  if (!meta.featureSchemaHash) throw new RangeError("featureSchemaHash is required");
}
function checkVector(name: string, v: number[], length: number): void {
  if (v.length !== length) throw new RangeError(`${name} has ${v.length} values, expected ${length}`);
  if (!v.every(Number.isFinite)) throw new RangeError(`${name} must be finite numbers`);
}
