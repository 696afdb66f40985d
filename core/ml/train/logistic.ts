import { type Classifier, type Dataset, N_CLASSES, softmaxInPlace } from "./dataset";

/**
 * Multinomial logistic regression, hand-written (full-batch Adam on the L2-penalised mean log loss).
 * Features are standardised with the training mean/std; constant columns get scale 1 (and so weight ~0).
 * The model keeps mean/scale so its input is the RAW feature row, like the exported ONNX graph.
 */
export interface LogisticParams {
  l2: number;
  iterations: number;
  learningRate: number;
}

export const DEFAULT_LOGISTIC: LogisticParams = { l2: 1e-3, iterations: 400, learningRate: 0.05 };

export interface LogisticModel extends Classifier {
  readonly kind: "logistic";
  readonly mean: number[];
  readonly scale: number[];
  /** N_CLASSES x F row-major, on standardised inputs. */
  readonly coefficients: number[];
  readonly intercepts: number[];
  readonly params: LogisticParams;
}

export function fitLogistic(data: Dataset, params: LogisticParams = DEFAULT_LOGISTIC): LogisticModel {
  const F = data.stride;
  const n = data.rows.length;
  if (n === 0) throw new Error("no training rows");
  const mean = new Array<number>(F).fill(0);
  const scale = new Array<number>(F).fill(0);
  for (const t of data.rows) for (let j = 0; j < F; j++) mean[j]! += data.x[t * F + j]!;
  for (let j = 0; j < F; j++) mean[j]! /= n;
  for (const t of data.rows) for (let j = 0; j < F; j++) scale[j]! += (data.x[t * F + j]! - mean[j]!) ** 2;
  for (let j = 0; j < F; j++) {
    const sd = Math.sqrt(scale[j]! / n);
    scale[j] = sd > 1e-12 * (Math.abs(mean[j]!) + 1) ? sd : 1;
  }
  // Standardised copy (n x F), float32-rounded like the ONNX graph's input.
  const z = new Float64Array(n * F);
  data.rows.forEach((t, i) => {
    for (let j = 0; j < F; j++) z[i * F + j] = (Math.fround(data.x[t * F + j]!) - mean[j]!) / scale[j]!;
  });
  const W = new Float64Array(N_CLASSES * F);
  const b = new Float64Array(N_CLASSES);
  const P = N_CLASSES * F + N_CLASSES;
  const m1 = new Float64Array(P);
  const m2 = new Float64Array(P);
  const grad = new Float64Array(P);
  const p = new Float64Array(N_CLASSES);
  const { iterations, learningRate, l2 } = params;
  for (let it = 1; it <= iterations; it++) {
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < N_CLASSES; c++) {
        let s = b[c]!;
        for (let j = 0; j < F; j++) s += W[c * F + j]! * z[i * F + j]!;
        p[c] = s;
      }
      softmaxInPlace(p);
      const yi = data.y[data.rows[i]!]!;
      for (let c = 0; c < N_CLASSES; c++) {
        const g = p[c]! - (c === yi ? 1 : 0);
        for (let j = 0; j < F; j++) grad[c * F + j]! += g * z[i * F + j]!;
        grad[N_CLASSES * F + c]! += g;
      }
    }
    for (let k = 0; k < P; k++) {
      let g = grad[k]! / n;
      if (k < N_CLASSES * F) g += l2 * W[k]!;
      m1[k] = 0.9 * m1[k]! + 0.1 * g;
      m2[k] = 0.999 * m2[k]! + 0.001 * g * g;
      const step = (learningRate * (m1[k]! / (1 - 0.9 ** it))) / (Math.sqrt(m2[k]! / (1 - 0.999 ** it)) + 1e-8);
      if (k < N_CLASSES * F) W[k]! -= step;
      else b[k - N_CLASSES * F]! -= step;
    }
  }
  // The ONNX graph holds float32 parameters: round them here so TS and ONNX are one model.
  const f32 = (a: ArrayLike<number>) => Array.from(a, (v) => Math.fround(v));
  return makeLogistic(f32(mean), f32(scale), f32(W), f32(b), params);
}

export function makeLogistic(
  mean: number[],
  scale: number[],
  coefficients: number[],
  intercepts: number[],
  params: LogisticParams,
): LogisticModel {
  const F = mean.length;
  return {
    kind: "logistic",
    mean,
    scale,
    coefficients,
    intercepts,
    params,
    predictProba(row) {
      const out = new Float64Array(N_CLASSES);
      for (let c = 0; c < N_CLASSES; c++) {
        let s = intercepts[c]!;
        // Same float32 steps as the graph's Sub and Div nodes.
        for (let j = 0; j < F; j++)
          s += coefficients[c * F + j]! * Math.fround(Math.fround(Math.fround(row[j]!) - mean[j]!) / scale[j]!);
        out[c] = s;
      }
      softmaxInPlace(out);
      return out;
    },
  };
}
