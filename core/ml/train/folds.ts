/**
 * Walk-forward folds over time-ordered row indices (expanding window). The test blocks are the last
 * `folds` equal slices after an initial training share. Training rows whose label window reaches into
 * the test block are purged: a row t is kept for training only if t + horizon < first test row, so no
 * training TARGET is computed from bars the test period sees.
 */
export interface Fold {
  train: number[];
  test: number[];
}

export function walkForwardFolds(
  rows: readonly number[],
  folds: number,
  horizon: number,
  initialTrainShare = 0.4,
): Fold[] {
  if (folds < 1) throw new RangeError("folds must be >= 1");
  const n = rows.length;
  const start = Math.floor(n * initialTrainShare);
  const block = Math.floor((n - start) / folds);
  if (block < 1) throw new RangeError("not enough rows for the requested folds");
  const out: Fold[] = [];
  for (let f = 0; f < folds; f++) {
    const lo = start + f * block;
    const hi = f === folds - 1 ? n : lo + block;
    const test = rows.slice(lo, hi);
    const firstTest = test[0]!;
    const train = rows.slice(0, lo).filter((t) => t + horizon < firstTest);
    out.push({ train, test });
  }
  return out;
}
