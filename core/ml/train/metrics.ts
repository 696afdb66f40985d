import { CLASS_INDEX } from "../../onnx/classes";
import { N_CLASSES } from "./dataset";

/** Out-of-sample scores of one model on one set of rows. Returns are fractions of price per trade. */
export interface Scores {
  n: number;
  accuracy: number;
  macroF1: number;
  logLoss: number;
  /** BUY/SELL predictions (argmax) taken as trades. */
  trades: number;
  /** Share of trades whose label is the traded direction (the barrier in that direction was hit first). */
  hitRate: number;
  /** Mean signed triple-barrier return per trade (long: +r, short: -r), a gross figure without costs. */
  avgTradeReturn: number;
}

/**
 * probs: rows x 3 (CLASSES order); y: class per row; longReturn: barrier exit return of a long per row.
 */
export function score(
  probs: Float64Array,
  y: ArrayLike<number>,
  longReturn: ArrayLike<number>,
  fixedPrediction?: number,
  predictions?: ArrayLike<number>,
): Scores {
  const n = y.length;
  let correct = 0;
  let loss = 0;
  const tp = [0, 0, 0];
  const fp = [0, 0, 0];
  const fn = [0, 0, 0];
  let trades = 0;
  let hits = 0;
  let ret = 0;
  for (let i = 0; i < n; i++) {
    let arg = 0;
    for (let c = 1; c < N_CLASSES; c++) if (probs[i * N_CLASSES + c]! > probs[i * N_CLASSES + arg]!) arg = c;
    if (fixedPrediction !== undefined) arg = fixedPrediction;
    if (predictions !== undefined) arg = predictions[i]!;
    const yi = y[i]!;
    if (arg === yi) {
      correct++;
      tp[yi]!++;
    } else {
      fp[arg]!++;
      fn[yi]!++;
    }
    loss -= Math.log(Math.max(probs[i * N_CLASSES + yi]!, 1e-15));
    if (arg !== CLASS_INDEX.HOLD) {
      trades++;
      if (arg === yi) hits++;
      ret += (arg === CLASS_INDEX.BUY ? 1 : -1) * longReturn[i]!;
    }
  }
  let f1 = 0;
  for (let c = 0; c < N_CLASSES; c++) {
    const d = 2 * tp[c]! + fp[c]! + fn[c]!;
    f1 += d > 0 ? (2 * tp[c]!) / d : 0;
  }
  return {
    n,
    accuracy: n ? correct / n : 0,
    macroF1: f1 / N_CLASSES,
    logLoss: n ? loss / n : 0,
    trades,
    hitRate: trades ? hits / trades : 0,
    avgTradeReturn: trades ? ret / trades : 0,
  };
}

/** Probabilities of the always-HOLD baseline: the training class frequencies (score it with fixedPrediction = HOLD). */
export function priorProbs(trainY: ArrayLike<number>, nRows: number): Float64Array {
  const counts = [1, 1, 1];
  for (let i = 0; i < trainY.length; i++) counts[trainY[i]!]!++;
  const total = counts[0]! + counts[1]! + counts[2]!;
  const p = counts.map((k) => k / total);
  const out = new Float64Array(nRows * N_CLASSES);
  for (let i = 0; i < nRows; i++) out.set(p, i * N_CLASSES);
  return out;
}

/** The most frequent class of the training labels (a constant-prediction baseline). */
export function majorityClass(trainY: ArrayLike<number>): number {
  const counts = [0, 0, 0];
  for (let i = 0; i < trainY.length; i++) counts[trainY[i]!]!++;
  return counts.indexOf(Math.max(...counts));
}
