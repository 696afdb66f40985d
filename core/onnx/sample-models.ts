// Seeded sample models and rows for the parity test and the inference benchmark: the same seed
// gives the same bytes and rows everywhere (Node, workerd), so both sides can be compared.

import { mulberry32 as rng } from "../random/prng";
import { type OnnxModelMeta, type TreeNode, writeLinearClassifier, writeTreeEnsembleClassifier } from "./writer";

const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

function randomTree(r: () => number, f: number, depth: number): { nodes: TreeNode[] } {
  const nodes: TreeNode[] = [];
  const grow = (d: number): number => {
    const id = nodes.length;
    if (d === depth || (d > 1 && r() < 0.15)) {
      nodes.push({ leaf: true, values: [normal(r) * 0.3, normal(r) * 0.3, normal(r) * 0.3] });
      return id;
    }
    const branch = { feature: Math.floor(r() * f), threshold: normal(r) * 0.8, left: 0, right: 0 };
    nodes.push(branch);
    branch.left = grow(d + 1);
    branch.right = grow(d + 1);
    return id;
  };
  grow(0);
  return { nodes };
}

const meta = (name: string, f: number): OnnxModelMeta => ({
  producer: "edgetrader-sample",
  featureSchemaName: name,
  featureSchemaHash: `sample-${name}`,
  featureCount: f,
});

/** A linear classifier over f features, standardising in the graph unless preScale is false. */
export function sampleLinearModel(f: number, seed = 1, preScale = true): Uint8Array {
  const r = rng(seed);
  const coefficients = Array.from({ length: 3 * f }, () => normal(r) * 0.4);
  const intercepts = [normal(r), normal(r), normal(r)];
  const scale = {
    mean: Array.from({ length: f }, () => normal(r)),
    scale: Array.from({ length: f }, () => 0.5 + r() * 2),
  };
  return writeLinearClassifier({
    coefficients,
    intercepts,
    ...(preScale ? { preScale: scale } : {}),
    meta: meta("linear", f),
  });
}

/** A boosted-trees-shaped ensemble: `trees` random trees of depth <= `depth`, softmax over summed leaves. */
export function sampleTreeModel(f: number, seed = 2, trees = 12, depth = 5): Uint8Array {
  const r = rng(seed);
  return writeTreeEnsembleClassifier({
    trees: Array.from({ length: trees }, () => randomTree(r, f, depth)),
    baseValues: [0.1, 0.2, -0.1],
    postTransform: "SOFTMAX",
    meta: meta("trees", f),
  });
}

/** n rows of f features, column scales differing so trees split on varied ranges. */
export function sampleRows(n: number, f: number, seed = 3): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n * f);
  for (let i = 0; i < x.length; i++) x[i] = normal(r) * (1 + (i % f) / 10);
  return x;
}
