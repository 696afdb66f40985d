/** A view of training data: a flat feature matrix (stride F) plus the row indices and labels to use. */
export interface Dataset {
  readonly x: Float64Array;
  readonly stride: number;
  /** Row indices into x (time order). */
  readonly rows: readonly number[];
  /** Class per row of x (indexed by row index, not by position in `rows`). */
  readonly y: ArrayLike<number>;
}

export const N_CLASSES = 3;

export function softmaxInPlace(z: Float64Array | number[]): void {
  let m = -Infinity;
  for (const v of z) if (v > m) m = v;
  let s = 0;
  for (let i = 0; i < z.length; i++) {
    z[i] = Math.exp(z[i]! - m);
    s += z[i]!;
  }
  for (let i = 0; i < z.length; i++) z[i] = z[i]! / s;
}

/** A trained classifier: probabilities for one raw feature row (length F). */
export interface Classifier {
  predictProba(row: ArrayLike<number>): Float64Array;
}

/** Probabilities for many rows of a flat matrix, [rows.length * 3]. */
export function predictRows(model: Classifier, x: Float64Array, stride: number, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length * N_CLASSES);
  rows.forEach((t, i) => out.set(model.predictProba(x.subarray(t * stride, (t + 1) * stride)), i * N_CLASSES));
  return out;
}
