import { CLASS_INDEX, CLASSES, type Direction } from "../onnx/classes";
import { errorMessage } from "../util/error-message";
import type { EnsembleResult, ModelBreakdown } from "./result";

/** Probabilities in the model contract's class order [SELL, HOLD, BUY]. */
export type Probabilities = readonly [number, number, number];

/** One model's outcome for a cycle: its class probabilities, or why it produced none. */
export type ModelOutcome =
  | { timeframe: string; weight: number; probabilities: readonly number[] }
  | { timeframe: string; weight: number; error: string };

/** Model outputs come out of ONNX float32 tensors: allow their rounding, reject anything else. */
export const PROBABILITY_SUM_TOLERANCE = 1e-3;
/** Two classes whose weighted probabilities differ by less than this are a tie. */
const TIE_EPSILON = 1e-9;

/** Why these probabilities can't be used, or undefined when they are a valid distribution over 3 classes. */
export function probabilityProblem(p: readonly number[], tolerance = PROBABILITY_SUM_TOLERANCE): string | undefined {
  if (p.length !== CLASSES.length) return `expected ${CLASSES.length} probabilities [SELL, HOLD, BUY], got ${p.length}`;
  if (!p.every((x) => Number.isFinite(x) && x >= 0 && x <= 1))
    return `probabilities must be finite numbers in [0, 1], got [${p.join(", ")}]`;
  const sum = p[0]! + p[1]! + p[2]!;
  if (Math.abs(sum - 1) > tolerance) return `probabilities must sum to 1, got ${sum}`;
  return undefined;
}

/**
 * Argmax over [SELL, HOLD, BUY]; a shared maximum means the evidence doesn't pick a side, so HOLD.
 * Returns the reason when a tie decided it.
 */
export function pickDirection(p: Probabilities): { direction: Direction; tie?: string } {
  const max = Math.max(...p);
  const leaders = CLASSES.filter((_, i) => max - p[i]! < TIE_EPSILON);
  if (leaders.length === 1) return { direction: leaders[0]! };
  return { direction: "HOLD", tie: `tie between ${leaders.join(" and ")} at ${max.toFixed(4)}` };
}

/**
 * The seeds' ModelCoordinator consensus: failing models are excluded (and reported unhealthy), the
 * remaining weights are renormalised to sum to 1, and the weighted average of the class
 * probabilities picks the direction. Confidence is the weighted probability of the chosen class.
 */
export function combine(outcomes: readonly ModelOutcome[]): EnsembleResult {
  const checked = outcomes.map((o) => {
    if ("error" in o) return { o, problem: o.error };
    if (!(o.weight > 0)) return { o, problem: `weight must be > 0, got ${o.weight}` };
    const problem = probabilityProblem(o.probabilities);
    return { o, problem };
  });
  const healthyWeight = checked.reduce((s, c) => (c.problem === undefined ? s + c.o.weight : s), 0);

  const breakdown: ModelBreakdown[] = checked.map(({ o, problem }): ModelBreakdown => {
    if (problem !== undefined || "error" in o) {
      return {
        timeframe: o.timeframe,
        weight: o.weight,
        effectiveWeight: 0,
        healthy: false,
        direction: null,
        confidence: null,
        probabilities: null,
        error: problem ?? "unknown error",
      };
    }
    const p: Probabilities = [o.probabilities[0]!, o.probabilities[1]!, o.probabilities[2]!];
    const { direction } = pickDirection(p);
    return {
      timeframe: o.timeframe,
      weight: o.weight,
      effectiveWeight: o.weight / healthyWeight,
      healthy: true,
      direction,
      confidence: p[CLASS_INDEX[direction]]!,
      probabilities: [p[0], p[1], p[2]],
    };
  });

  const healthy = breakdown.filter((b) => b.healthy);
  if (healthy.length === 0) {
    const reason =
      outcomes.length === 0
        ? "no models configured"
        : `no healthy model (${breakdown.map((b) => `${b.timeframe}: ${b.error}`).join("; ")})`;
    return {
      direction: "HOLD",
      confidence: 0,
      probabilities: null,
      healthyModels: 0,
      totalModels: outcomes.length,
      reason,
      breakdown,
    };
  }

  const weighted: [number, number, number] = [0, 0, 0];
  for (const b of healthy) {
    for (let i = 0; i < 3; i++) weighted[i]! += b.effectiveWeight * b.probabilities![i]!;
  }
  const { direction, tie } = pickDirection(weighted);
  const confidence = weighted[CLASS_INDEX[direction]]!;
  const excluded = breakdown.length - healthy.length;
  const reason = [
    tie ?? `${direction} by weighted consensus of ${healthy.length} model${healthy.length === 1 ? "" : "s"}`,
    excluded ? `${excluded} unhealthy model${excluded === 1 ? "" : "s"} excluded` : undefined,
  ]
    .filter(Boolean)
    .join("; ");
  return {
    direction,
    confidence,
    probabilities: weighted,
    healthyModels: healthy.length,
    totalModels: outcomes.length,
    reason,
    breakdown,
  };
}

/**
 * Runs every model (in parallel) and combines them. A model that throws or rejects becomes an
 * unhealthy outcome carrying its error message: one broken model never fails the cycle.
 */
export async function runEnsemble<M extends { timeframe: string; weight: number }>(
  models: readonly M[],
  predict: (model: M) => Promise<readonly number[]> | readonly number[],
): Promise<EnsembleResult> {
  const outcomes = await Promise.all(
    models.map(async (m): Promise<ModelOutcome> => {
      try {
        return { timeframe: m.timeframe, weight: m.weight, probabilities: await predict(m) };
      } catch (err) {
        return { timeframe: m.timeframe, weight: m.weight, error: errorMessage(err) };
      }
    }),
  );
  return combine(outcomes);
}
