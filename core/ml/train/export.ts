import { type OnnxModelMeta, writeLinearClassifier, writeTreeEnsembleClassifier } from "../../onnx/writer";
import type { GbtModel } from "./gbt";
import type { LogisticModel } from "./logistic";

/** ONNX bytes for a trained model; the graph's input is the RAW feature row (standardisation in-graph for logistic). */
export function exportOnnx(model: LogisticModel | GbtModel, meta: OnnxModelMeta): Uint8Array {
  if (model.kind === "logistic") {
    return writeLinearClassifier({
      coefficients: model.coefficients,
      intercepts: model.intercepts,
      preScale: { mean: model.mean, scale: model.scale },
      meta,
    });
  }
  return writeTreeEnsembleClassifier({
    trees: model.trees,
    baseValues: model.baseValues,
    postTransform: "SOFTMAX",
    meta,
  });
}
