import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import {
  brokenKernelModel,
  customDomainModel,
  doubleInputModel,
  fixedBatchModel,
  sklearnTensorModel,
  twoClassModel,
  validLinearModel,
  zipMapModel,
} from "../../test/fixtures/onnx-models";
import { type ContractResult, validateModelContract } from "./contract";

const F = 34;
const expected = { featureCount: F, featureSchemaHash: "test-hash", schemaLabel: "'ohlcv-core' v1" };
const errorsOf = (r: ContractResult) => (r.ok ? [] : r.errors);

describe("validateModelContract", () => {
  it("accepts the writer's models and describes them", () => {
    const r = validateModelContract(validLinearModel(F), expected);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.info).toMatchObject({
      inputName: "features",
      probabilitiesName: "probabilities",
      featureCount: F,
      producer: "edgetrader-test",
    });
    expect(r.info.inputs).toEqual([{ name: "features", type: "float [N, 34]" }]);
    expect(r.info.outputs).toEqual([
      { name: "label", type: "int64 [N]" },
      { name: "probabilities", type: "float [N, 3]" },
    ]);
    expect(r.info.metadata.feature_schema_hash).toBe("test-hash");
  });

  it("accepts a skl2onnx zipmap=False layout and finds its probability output", async () => {
    const bytes = sklearnTensorModel(F);
    const r = validateModelContract(bytes, expected);
    expect(r.ok && r.info.probabilitiesName).toBe("output_probability");
    expect(r.ok && r.info.inputName).toBe("float_input");
    // ORT agrees the file is runnable as described.
    const s = await ort.InferenceSession.create(bytes);
    const out = await s.run({ float_input: new ort.Tensor("float32", new Float32Array(2 * F), [2, F]) });
    expect(out.output_probability!.dims).toEqual([2, 3]);
  });

  it("rejects bytes that are not ONNX", () => {
    for (const bytes of [
      new Uint8Array(),
      new TextEncoder().encode("hello, this is not a model"),
      new Uint8Array([0x0a, 0xff, 0xff, 0x7f]),
    ]) {
      const errs = errorsOf(validateModelContract(bytes, expected));
      expect(errs).toHaveLength(1);
      expect(errs[0]!.code).toBe("not_onnx");
      expect(errs[0]!.message).toMatch(/^the file is not an ONNX model/);
    }
  });

  it("names the input and both feature counts when they differ", () => {
    const errs = errorsOf(validateModelContract(validLinearModel(12), expected));
    expect(errs).toEqual([
      {
        code: "feature_count",
        message: "input 'features' has 12 features, the declared schema 'ohlcv-core' v1 has 34",
      },
    ]);
  });

  it("rejects a ZipMap output and says how to export a tensor", () => {
    const errs = errorsOf(validateModelContract(zipMapModel(F), expected));
    expect(errs).toEqual([
      {
        code: "zipmap_output",
        message:
          "output 'output_probability' is seq(map(int64, float)) (a ZipMap); export probabilities as a plain float tensor [N, 3] instead, e.g. skl2onnx options={'zipmap': False}",
      },
    ]);
  });

  it("rejects a model built for another feature schema", () => {
    const errs = errorsOf(validateModelContract(validLinearModel(F, "other-hash"), expected));
    expect(errs).toEqual([
      {
        code: "schema_mismatch",
        message:
          "the model was built for feature schema hash 'other-hash', the declared schema 'ohlcv-core' v1 has hash 'test-hash'",
      },
    ]);
  });

  it("rejects fixed batches, non-float inputs, wrong class counts and unknown operator domains", () => {
    expect(errorsOf(validateModelContract(fixedBatchModel(F), expected))[0]).toMatchObject({
      code: "input_shape",
      message: expect.stringContaining("fixed batch size of 1"),
    });
    expect(errorsOf(validateModelContract(doubleInputModel(F), expected))[0]).toMatchObject({
      code: "input_type",
      message: "input 'features' is double [N, 34]; it must be float [N, 34] (cast to float32 when exporting)",
    });
    expect(errorsOf(validateModelContract(twoClassModel(F), expected))[0]).toMatchObject({
      code: "probabilities_shape",
      message: "output 'probabilities' is float [N, 2]; it must be float [N, 3] with columns SELL, HOLD, BUY",
    });
    expect(errorsOf(validateModelContract(customDomainModel(F), expected))).toEqual([
      {
        code: "unsupported_domain",
        message: "operator domain 'com.example.custom' is not supported (supported: ai.onnx, ai.onnx.ml)",
      },
    ]);
  });

  it("reports every violation at once", () => {
    const errs = errorsOf(validateModelContract(zipMapModel(12), expected));
    expect(errs.map((e) => e.code).sort()).toEqual(["feature_count", "zipmap_output"]);
  });
});

describe("what the static contract check cannot see", () => {
  it("a model with a malformed kernel passes the contract but onnxruntime refuses it (the upload route test-runs models for this)", async () => {
    const bytes = brokenKernelModel(F);
    expect(validateModelContract(bytes, { featureCount: F }).ok).toBe(true);
    const attempt = async () => {
      const s = await ort.InferenceSession.create(bytes);
      await s.run({ features: new ort.Tensor("float32", new Float32Array(F), [1, F]) });
    };
    await expect(attempt()).rejects.toThrow();
  });
});
