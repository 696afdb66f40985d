import { mulberry32 } from "../../random/prng";
import { type Classifier, type Dataset, N_CLASSES, softmaxInPlace } from "./dataset";

/**
 * Gradient-boosted trees for 3-class softmax, hand-written (no maintained JS library does histogram
 * boosting; see PLATFORM.md on ml-cart/ml-random-forest). Each round fits ONE multi-output tree on the
 * softmax gradients/hessians of all classes (leaf value per class = -lr * G_c / (H_c + lambda), split gain
 * summed over classes), so a round is a single ONNX tree with a 3-value leaf. Splits are searched on
 * quantile histograms; thresholds are float32 values and rows are binned by their float32 value, so the
 * TS model and the ONNX graph (which compares float32) route every row the same way.
 */
export interface GbtParams {
  rounds: number;
  maxDepth: number;
  learningRate: number;
  /** Minimum training rows in a leaf. */
  minLeaf: number;
  /** L2 on leaf values. */
  lambda: number;
  /** Max histogram bins per feature (<= 255). */
  bins: number;
  /** Row subsampling per round (stochastic boosting). */
  subsample: number;
  seed: number;
}

export const DEFAULT_GBT: GbtParams = {
  rounds: 200,
  maxDepth: 3,
  learningRate: 0.05,
  minLeaf: 100,
  lambda: 1,
  bins: 32,
  subsample: 0.8,
  seed: 7,
};

export type GbtNode =
  | { feature: number; threshold: number; left: number; right: number }
  | { leaf: true; values: number[] };

export interface GbtModel extends Classifier {
  readonly kind: "gbt";
  readonly trees: Array<{ nodes: GbtNode[] }>;
  readonly baseValues: number[];
  readonly params: GbtParams;
}

export function makeGbt(trees: Array<{ nodes: GbtNode[] }>, baseValues: number[], params: GbtParams): GbtModel {
  return {
    kind: "gbt",
    trees,
    baseValues,
    params,
    predictProba(row) {
      const z = Float64Array.from(baseValues);
      for (const tree of trees) addLeaf(tree.nodes, row, z);
      softmaxInPlace(z);
      return z;
    },
  };
}

export function addLeaf(nodes: GbtNode[], row: ArrayLike<number>, z: Float64Array): void {
  let i = 0;
  for (;;) {
    const n = nodes[i]!;
    if ("leaf" in n) {
      for (let c = 0; c < N_CLASSES; c++) z[c]! += n.values[c]!;
      return;
    }
    i = Math.fround(row[n.feature]!) <= n.threshold ? n.left : n.right;
  }
}

export interface Binned {
  bins: Uint8Array; // n x F, bin of row i feature j
  edges: Float64Array[]; // per feature: float32-valued upper edges; bin b <=> x <= edges[b] (last bin: above all)
}

export function binRows(data: Dataset, maxBins: number): Binned {
  const F = data.stride;
  const n = data.rows.length;
  const edges: Float64Array[] = [];
  const bins = new Uint8Array(n * F);
  const col = new Float64Array(n);
  for (let j = 0; j < F; j++) {
    data.rows.forEach((t, i) => (col[i] = Math.fround(data.x[t * F + j]!)));
    const sorted = Float64Array.from(col).sort();
    const e: number[] = [];
    for (let k = 1; k < maxBins; k++) {
      const v = sorted[Math.min(n - 1, Math.floor((k * n) / maxBins))]!;
      if (v < sorted[n - 1]! && (e.length === 0 || v > e[e.length - 1]!)) e.push(v);
    }
    const ej = Float64Array.from(e);
    edges.push(ej);
    for (let i = 0; i < n; i++) {
      // first b with x <= e[b], else e.length
      let lo = 0;
      let hi = ej.length;
      const x = col[i]!;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (x <= ej[mid]!) hi = mid;
        else lo = mid + 1;
      }
      bins[i * F + j] = lo;
    }
  }
  return { bins, edges };
}

export interface GbtFitResult {
  model: GbtModel;
  /** Mean log loss on `valid` after each round (empty without `valid`). */
  validLoss: number[];
}

/**
 * Trains `params.rounds` trees; if `valid` is given, records its log loss after every round and stops
 * early once it has not improved for `patience` rounds.
 */
export function fitGbt(
  data: Dataset,
  params: GbtParams = DEFAULT_GBT,
  valid?: Dataset,
  patience = Infinity,
): GbtFitResult {
  const F = data.stride;
  const n = data.rows.length;
  if (n === 0) throw new Error("no training rows");
  const { bins, edges } = binRows(data, Math.min(255, params.bins));
  const y = data.rows.map((t) => data.y[t]!);
  const counts = [0, 0, 0];
  for (const c of y) counts[c]!++;
  const baseValues = counts.map((k) => Math.log((k + 1) / (n + N_CLASSES)));
  const score = new Float64Array(n * N_CLASSES);
  for (let i = 0; i < n; i++) score.set(baseValues, i * N_CLASSES);
  const g = new Float64Array(n * N_CLASSES);
  const h = new Float64Array(n * N_CLASSES);
  const p = new Float64Array(N_CLASSES);
  const rnd = mulberry32(params.seed);
  const trees: Array<{ nodes: GbtNode[] }> = [];
  const validLoss: number[] = [];
  const vScore = valid ? new Float64Array(valid.rows.length * N_CLASSES) : null;
  if (valid && vScore) for (let i = 0; i < valid.rows.length; i++) vScore.set(baseValues, i * N_CLASSES);
  const hist = histBuffer(params);

  for (let round = 0; round < params.rounds; round++) {
    computeGradients(score, y, g, h);
    const sample: number[] = [];
    for (let i = 0; i < n; i++) if (params.subsample >= 1 || rnd() < params.subsample) sample.push(i);
    const nodes = growTree({ bins, edges }, F, g, h, sample, params, hist);
    trees.push({ nodes });
    // Update scores of every training row (not only the sample) by walking the new tree on raw values.
    const z = new Float64Array(N_CLASSES);
    data.rows.forEach((t, i) => {
      z.fill(0);
      addLeaf(nodes, data.x.subarray(t * F, (t + 1) * F), z);
      for (let c = 0; c < N_CLASSES; c++) score[i * N_CLASSES + c]! += z[c]!;
    });
    if (valid && vScore) {
      let loss = 0;
      valid.rows.forEach((t, i) => {
        z.fill(0);
        addLeaf(nodes, valid.x.subarray(t * F, (t + 1) * F), z);
        for (let c = 0; c < N_CLASSES; c++) {
          vScore[i * N_CLASSES + c]! += z[c]!;
          p[c] = vScore[i * N_CLASSES + c]!;
        }
        softmaxInPlace(p);
        loss -= Math.log(Math.max(p[valid.y[t]!]!, 1e-15));
      });
      validLoss.push(loss / valid.rows.length);
      const best = validLoss.indexOf(Math.min(...validLoss));
      if (validLoss.length - 1 - best >= patience) break;
    }
  }
  return { model: makeGbt(trees, baseValues, params), validLoss };
}

/** Histogram scratch buffer for growTree (one per fit, reused across rounds). */
export function histBuffer(params: GbtParams): Float64Array {
  return new Float64Array((params.bins + 1) * (2 * N_CLASSES + 1));
}

/** Softmax gradients and hessians of every row from its current scores (rows x 3, flat). */
export function computeGradients(score: Float64Array, y: readonly number[], g: Float64Array, h: Float64Array): void {
  const p = new Float64Array(N_CLASSES);
  for (let i = 0; i < y.length; i++) {
    for (let c = 0; c < N_CLASSES; c++) p[c] = score[i * N_CLASSES + c]!;
    softmaxInPlace(p);
    for (let c = 0; c < N_CLASSES; c++) {
      g[i * N_CLASSES + c] = p[c]! - (y[i] === c ? 1 : 0);
      h[i * N_CLASSES + c] = Math.max(p[c]! * (1 - p[c]!), 1e-6);
    }
  }
}

/**
 * One boosting round's tree on the binned rows in `sample` (positions into the binned data), nodes in
 * pre-order (children after their parent). Exported so the step-wise trainer (budgeted.ts) grows
 * exactly the trees fitGbt grows.
 */
export function growTree(
  binned: Binned,
  F: number,
  g: Float64Array,
  h: Float64Array,
  sample: number[],
  params: GbtParams,
  hist: Float64Array,
): GbtNode[] {
  const { bins, edges } = binned;
  const nodes: GbtNode[] = [];
  const build = (idx: number[], depth: number): number => {
    const id = nodes.length;
    const G = [0, 0, 0];
    const H = [0, 0, 0];
    for (const i of idx)
      for (let c = 0; c < N_CLASSES; c++) {
        G[c]! += g[i * N_CLASSES + c]!;
        H[c]! += h[i * N_CLASSES + c]!;
      }
    const leaf = (): number => {
      nodes[id] = { leaf: true, values: G.map((gc, c) => (-params.learningRate * gc) / (H[c]! + params.lambda)) };
      return id;
    };
    nodes.push({ leaf: true, values: [0, 0, 0] }); // placeholder keeps pre-order ids (children after parent)
    if (depth >= params.maxDepth || idx.length < 2 * params.minLeaf) return leaf();
    let parent = 0;
    for (let c = 0; c < N_CLASSES; c++) parent += (G[c]! * G[c]!) / (H[c]! + params.lambda);
    let best = { gain: 1e-9, feature: -1, bin: -1 };
    const W = 2 * N_CLASSES + 1;
    for (let j = 0; j < F; j++) {
      const nb = edges[j]!.length + 1;
      if (nb < 2) continue;
      hist.fill(0, 0, nb * W);
      for (const i of idx) {
        const o = bins[i * F + j]! * W;
        for (let c = 0; c < N_CLASSES; c++) {
          hist[o + c]! += g[i * N_CLASSES + c]!;
          hist[o + N_CLASSES + c]! += h[i * N_CLASSES + c]!;
        }
        hist[o + 2 * N_CLASSES]! += 1;
      }
      const GL = [0, 0, 0];
      const HL = [0, 0, 0];
      let nL = 0;
      for (let b = 0; b < nb - 1; b++) {
        for (let c = 0; c < N_CLASSES; c++) {
          GL[c]! += hist[b * W + c]!;
          HL[c]! += hist[b * W + N_CLASSES + c]!;
        }
        nL += hist[b * W + 2 * N_CLASSES]!;
        if (nL < params.minLeaf) continue;
        if (idx.length - nL < params.minLeaf) break;
        let gain = -parent;
        for (let c = 0; c < N_CLASSES; c++) {
          const gr = G[c]! - GL[c]!;
          const hr = H[c]! - HL[c]!;
          gain += (GL[c]! * GL[c]!) / (HL[c]! + params.lambda) + (gr * gr) / (hr + params.lambda);
        }
        if (gain > best.gain) best = { gain, feature: j, bin: b };
      }
    }
    if (best.feature < 0) return leaf();
    const left: number[] = [];
    const right: number[] = [];
    for (const i of idx) (bins[i * F + best.feature]! <= best.bin ? left : right).push(i);
    const l = build(left, depth + 1);
    const r = build(right, depth + 1);
    nodes[id] = { feature: best.feature, threshold: edges[best.feature]![best.bin]!, left: l, right: r };
    return id;
  };
  build(sample, 0);
  return nodes;
}
