import { computeFeatures, type FeatureMatrix } from "../../core/features/compute";
import { FEATURE_WARMUP_BARS, featureIndex } from "../../core/features/schema";
import type { Bar } from "../../core/market/bar";
import { type Labels, labeledRows, tripleBarrierLabels } from "../../core/ml/labels";
import type { Dataset } from "../../core/ml/train/dataset";
import type { TrainParams } from "../../core/protocol/training";

/** Fewest rows per part of the split; below these the scores mean nothing, so the job fails instead. */
export const MIN_ROWS = { train: 150, valid: 30, holdout: 30 } as const;
/** Newest share of the pre-holdout rows used for early stopping (purged like the holdout). */
export const VALID_SHARE = 0.2;

export class TrainingInputError extends Error {
  override readonly name = "TrainingInputError";
  constructor(
    readonly code: "not_enough_data" | "bad_bars",
    message: string,
  ) {
    super(message);
  }
}

export interface TrainingSet {
  fm: FeatureMatrix;
  labels: Labels;
  train: Dataset;
  /** Early-stopping rows: after train, before holdout; purged on both sides. */
  valid: Dataset;
  /** Final score only; never seen by training or early stopping. */
  holdout: Dataset;
}

/** Rows before `first` whose label window (t+1..t+horizon) stays before `first` (no label reads the later block). */
const purgedBefore = (rows: readonly number[], first: number, horizon: number) =>
  rows.filter((t) => t + horizon < first);

/**
 * Features, triple-barrier labels and a purged time split: [train | valid | holdout], oldest to newest.
 * Deterministic in (bars, params), so every slice of a job rebuilds exactly the same sets.
 */
export function buildTrainingSet(bars: readonly Bar[], p: TrainParams): TrainingSet {
  const fm = computeFeatures(bars);
  const atrCol = featureIndex("atr_14");
  const atr = Float64Array.from({ length: fm.count }, (_, t) => fm.values[t * fm.stride + atrCol]!);
  const labels = tripleBarrierLabels(bars, atr, { horizon: p.horizon, atrMult: p.atr_mult });
  const rows = labeledRows(labels.y, fm.validFrom);
  const nHold = Math.floor(rows.length * p.holdout_share);
  const need = Math.ceil((MIN_ROWS.train + MIN_ROWS.valid) / (1 - VALID_SHARE)) + MIN_ROWS.holdout + 2 * p.horizon;
  const tooFew = () =>
    new TrainingInputError(
      "not_enough_data",
      `only ${rows.length} labeled rows from ${bars.length} bars (the first ${FEATURE_WARMUP_BARS} are feature warm-up, the last ${p.horizon} have no label yet); ` +
        `need about ${need} (at least ${MIN_ROWS.train} train, ${MIN_ROWS.valid} validation, ${MIN_ROWS.holdout} holdout rows)`,
    );
  if (nHold < MIN_ROWS.holdout) throw tooFew();
  const holdoutRows = rows.slice(rows.length - nHold);
  const before = purgedBefore(rows.slice(0, rows.length - nHold), holdoutRows[0]!, p.horizon);
  const nValid = Math.floor(before.length * VALID_SHARE);
  const validRows = before.slice(before.length - nValid);
  const trainRows = nValid > 0 ? purgedBefore(before.slice(0, before.length - nValid), validRows[0]!, p.horizon) : [];
  if (trainRows.length < MIN_ROWS.train || validRows.length < MIN_ROWS.valid) throw tooFew();
  const base = { x: fm.values, stride: fm.stride, y: labels.y };
  return {
    fm,
    labels,
    train: { ...base, rows: trainRows },
    valid: { ...base, rows: validRows },
    holdout: { ...base, rows: holdoutRows },
  };
}
