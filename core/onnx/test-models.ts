// Models that break the contract in one precise way each, as exporters really produce them (the
// skl2onnx ZipMap layout, PyTorch fixed batch, ...). Built by editing a valid writer model's proto,
// so everything else about them is valid. Used by the node and workerd tests.
import { decodeModel, DataType, encodeModel, type ModelProto, type TypeProto, type ValueInfoProto } from "./proto";
import { writeLinearClassifier, type OnnxModelMeta } from "./writer";

export function testMeta(featureCount: number, featureSchemaHash = "test-hash"): OnnxModelMeta {
  return { producer: "edgetrader-test", featureSchemaName: "test", featureSchemaHash, featureCount };
}

/** A valid linear model with deterministic pseudo-random weights. */
export function validLinearModel(featureCount: number, featureSchemaHash?: string): Uint8Array {
  const w = Array.from({ length: 3 * featureCount }, (_, i) => Math.sin(i * 12.9898) * 0.5);
  return writeLinearClassifier({ coefficients: w, intercepts: [0.1, 0, -0.1], meta: testMeta(featureCount, featureSchemaHash) });
}

const tensor = (elemType: number, dims: Array<number | string | null>): TypeProto => ({
  tensorType: { elemType, shape: { dim: dims.map((d) => (d === null ? {} : typeof d === "number" ? { dimValue: d } : { dimParam: d })) } },
});
const vi = (name: string, type: TypeProto): ValueInfoProto => ({ name, type });

function edit(featureCount: number, change: (m: ModelProto) => void): Uint8Array {
  const m = decodeModel(validLinearModel(featureCount));
  m.metadataProps = []; // other exporters don't write our feature-schema metadata
  m.producerName = "skl2onnx";
  change(m);
  return encodeModel(m);
}

/** skl2onnx's default: 'float_input' [None, F], 'output_label', and 'output_probability' as seq(map(int64, float)). */
export function zipMapModel(featureCount: number): Uint8Array {
  return edit(featureCount, (m) => {
    const g = m.graph!;
    g.input = [vi("float_input", tensor(DataType.FLOAT, [null, featureCount]))];
    g.node[0]!.input = ["float_input"];
    g.node[0]!.output = ["output_label", "probability_tensor"];
    g.node.push({ opType: "ZipMap", domain: "ai.onnx.ml", name: "ZipMap", input: ["probability_tensor"], output: ["output_probability"], attribute: [{ name: "classlabels_int64s", type: 7, ints: [0, 1, 2], floats: [], strings: [] }] });
    g.output = [
      vi("output_label", tensor(DataType.INT64, [null])),
      vi("output_probability", { sequenceType: { elemType: { mapType: { keyType: DataType.INT64, valueType: { tensorType: { elemType: DataType.FLOAT } } } } } }),
    ];
  });
}

/** The same exported with zipmap=False: names differ from ours, shape is right, so it passes. */
export function sklearnTensorModel(featureCount: number): Uint8Array {
  return edit(featureCount, (m) => {
    const g = m.graph!;
    g.input = [vi("float_input", tensor(DataType.FLOAT, [null, featureCount]))];
    g.node[0]!.input = ["float_input"];
    g.node[0]!.output = ["output_label", "output_probability"];
    g.output = [vi("output_label", tensor(DataType.INT64, [null])), vi("output_probability", tensor(DataType.FLOAT, [null, 3]))];
  });
}

export function fixedBatchModel(featureCount: number): Uint8Array {
  return edit(featureCount, (m) => {
    m.graph!.input[0]!.type = tensor(DataType.FLOAT, [1, featureCount]);
  });
}

export function doubleInputModel(featureCount: number): Uint8Array {
  return edit(featureCount, (m) => {
    m.graph!.input[0]!.type = tensor(DataType.DOUBLE, ["N", featureCount]);
  });
}

export function twoClassModel(featureCount: number): Uint8Array {
  return edit(featureCount, (m) => {
    m.graph!.output[1]!.type = tensor(DataType.FLOAT, ["N", 2]);
  });
}

export function customDomainModel(featureCount: number): Uint8Array {
  return edit(featureCount, (m) => {
    m.opsetImport.push({ domain: "com.example.custom", version: 1 });
    m.graph!.node.push({ opType: "Magic", domain: "com.example.custom", name: "magic", input: ["probabilities"], output: ["magic_out"], attribute: [] });
  });
}

/** Meets the contract's interface, but the LinearClassifier has too few coefficients: onnxruntime refuses it. */
export function brokenKernelModel(featureCount: number): Uint8Array {
  return edit(featureCount, (m) => {
    const attr = m.graph!.node[0]!.attribute.find((a) => a.name === "coefficients")!;
    attr.floats = attr.floats.slice(0, 5);
  });
}
