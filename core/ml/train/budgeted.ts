import { z } from "zod";
import { mulberry32 } from "../../random/prng";
import { type Dataset, N_CLASSES, softmaxInPlace } from "./dataset";
import {
  addLeaf,
  type Binned,
  binRows,
  computeGradients,
  type GbtModel,
  type GbtNode,
  type GbtParams,
  growTree,
  histBuffer,
  makeGbt,
} from "./gbt";

/**
 * Step-wise GBT: the same trees as fitGbt (gbt.ts), grown K per call, with all progress in a small
 * JSON-safe state. A Durable Object can then train in slices across alarm invocations: each slice
 * rebuilds the deterministic context (binning, scores from the trees so far, the PRNG position) and
 * adds at most K trees, so one slice's work is bounded by a count, not by a clock.
 */

const GbtNodeSchema: z.ZodType<GbtNode> = z.union([
  z.object({ feature: z.number().int(), threshold: z.number(), left: z.number().int(), right: z.number().int() }),
  z.object({ leaf: z.literal(true), values: z.array(z.number()).length(N_CLASSES) }),
]);

export const GbtParamsSchema = z.object({
  rounds: z.number().int().positive(),
  maxDepth: z.number().int().positive(),
  learningRate: z.number().positive(),
  minLeaf: z.number().int().positive(),
  lambda: z.number().nonnegative(),
  bins: z.number().int().min(2).max(255),
  subsample: z.number().gt(0).lte(1),
  seed: z.number().int(),
});

export const GbtStepStateSchema = z.object({
  format: z.literal("gbt-step/1"),
  params: GbtParamsSchema,
  /** Rounds without validation improvement before stopping (null: run all rounds). */
  patience: z.number().int().positive().nullable(),
  baseValues: z.array(z.number()).length(N_CLASSES),
  trees: z.array(z.object({ nodes: z.array(GbtNodeSchema) })),
  /** PRNG draws consumed so far: mulberry32(seed) advanced this far continues the exact sequence. */
  draws: z.number().int().nonnegative(),
  /** Mean validation log loss after each round (empty without validation rows). */
  validLoss: z.array(z.number()),
  done: z.boolean(),
  stopReason: z.enum(["rounds", "early_stop"]).nullable(),
});
export type GbtStepState = z.infer<typeof GbtStepStateSchema>;

/** Initial state: no trees, base scores = smoothed log class frequencies of the training rows (as fitGbt). */
export function gbtInitialState(train: Dataset, params: GbtParams, patience: number | null = null): GbtStepState {
  const n = train.rows.length;
  if (n === 0) throw new Error("no training rows");
  const counts = [0, 0, 0];
  for (const t of train.rows) counts[train.y[t]!]!++;
  return {
    format: "gbt-step/1",
    params: { ...params },
    patience,
    baseValues: counts.map((k) => Math.log((k + 1) / (n + N_CLASSES))),
    trees: [],
    draws: 0,
    validLoss: [],
    done: params.rounds === 0,
    stopReason: null,
  };
}

/** Work units of one tree: rows x features x depth histogram cells (the dominant cost of a round). */
export function treeCost(rows: number, features: number, maxDepth: number): number {
  return Math.max(1, rows * features * maxDepth);
}

/** Trees per slice so that a slice stays within `budgetCells` work units (at least one tree). */
export function treesPerSlice(rows: number, features: number, maxDepth: number, budgetCells: number): number {
  return Math.max(1, Math.floor(budgetCells / treeCost(rows, features, maxDepth)));
}

/**
 * The deterministic context of one training set (binning, labels, current scores). Building it costs
 * one binning pass; it is cached per stepper so a live object skips it between slices, and rebuilt
 * from the state after an eviction with identical results.
 */
export class GbtStepper {
  private readonly binned: Binned;
  private readonly y: number[];
  private readonly F: number;
  private score: Float64Array | null = null;
  private vScore: Float64Array | null = null;
  private scoredTrees = -1;

  constructor(
    private readonly train: Dataset,
    private readonly valid: Dataset | null,
    bins: number,
  ) {
    this.F = train.stride;
    this.binned = binRows(train, Math.min(255, bins));
    this.y = train.rows.map((t) => train.y[t]!);
  }

  /** Adds up to `k` trees; returns the new state (the input state is not modified). */
  step(input: GbtStepState, k: number): GbtStepState {
    const state: GbtStepState = {
      ...input,
      params: { ...input.params },
      trees: [...input.trees],
      validLoss: [...input.validLoss],
    };
    if (state.done) return state;
    const { params } = state;
    const n = this.train.rows.length;
    this.syncScores(state);
    const score = this.score!;
    const g = new Float64Array(n * N_CLASSES);
    const h = new Float64Array(n * N_CLASSES);
    const hist = histBuffer(params);
    const rnd = mulberry32(params.seed);
    for (let i = 0; i < state.draws; i++) rnd();
    const z = new Float64Array(N_CLASSES);
    const p = new Float64Array(N_CLASSES);
    for (let added = 0; added < k && state.trees.length < params.rounds; added++) {
      computeGradients(score, this.y, g, h);
      const sample: number[] = [];
      for (let i = 0; i < n; i++) {
        if (params.subsample >= 1) sample.push(i);
        else {
          state.draws++;
          if (rnd() < params.subsample) sample.push(i);
        }
      }
      const nodes = growTree(this.binned, this.F, g, h, sample, params, hist);
      state.trees.push({ nodes });
      this.addTree(nodes, this.train, score, z);
      if (this.valid && this.vScore) {
        this.addTree(nodes, this.valid, this.vScore, z);
        state.validLoss.push(meanLogLoss(this.vScore, this.valid, p));
        const best = state.validLoss.indexOf(Math.min(...state.validLoss));
        if (state.patience !== null && state.validLoss.length - 1 - best >= state.patience) {
          state.done = true;
          state.stopReason = "early_stop";
          break;
        }
      }
    }
    this.scoredTrees = state.trees.length;
    if (!state.done && state.trees.length >= params.rounds) {
      state.done = true;
      state.stopReason = "rounds";
    }
    return state;
  }

  /** Scores of every training (and validation) row after the state's trees, cached between slices. */
  private syncScores(state: GbtStepState): void {
    if (this.score && this.scoredTrees === state.trees.length) return;
    const z = new Float64Array(N_CLASSES);
    this.score = baseScores(this.train.rows.length, state.baseValues);
    for (const tree of state.trees) this.addTree(tree.nodes, this.train, this.score, z);
    if (this.valid) {
      this.vScore = baseScores(this.valid.rows.length, state.baseValues);
      for (const tree of state.trees) this.addTree(tree.nodes, this.valid, this.vScore, z);
    }
    this.scoredTrees = state.trees.length;
  }

  private addTree(nodes: GbtNode[], data: Dataset, score: Float64Array, z: Float64Array): void {
    const F = data.stride;
    data.rows.forEach((t, i) => {
      z.fill(0);
      addLeaf(nodes, data.x.subarray(t * F, (t + 1) * F), z);
      for (let c = 0; c < N_CLASSES; c++) score[i * N_CLASSES + c]! += z[c]!;
    });
  }
}

function baseScores(n: number, baseValues: readonly number[]): Float64Array {
  const s = new Float64Array(n * N_CLASSES);
  for (let i = 0; i < n; i++) s.set(baseValues, i * N_CLASSES);
  return s;
}

function meanLogLoss(score: Float64Array, data: Dataset, p: Float64Array): number {
  let loss = 0;
  data.rows.forEach((t, i) => {
    for (let c = 0; c < N_CLASSES; c++) p[c] = score[i * N_CLASSES + c]!;
    softmaxInPlace(p);
    loss -= Math.log(Math.max(p[data.y[t]!]!, 1e-15));
  });
  return loss / data.rows.length;
}

/** The round (1-based count of trees) with the lowest validation loss, or all trees without validation. */
export function bestRounds(state: GbtStepState): number {
  if (state.validLoss.length === 0) return state.trees.length;
  return state.validLoss.indexOf(Math.min(...state.validLoss)) + 1;
}

/** The trained model, optionally cut to its best validation round (what pipeline.ts ships after early stopping). */
export function gbtModelFromState(state: GbtStepState, rounds: number = state.trees.length): GbtModel {
  return makeGbt(state.trees.slice(0, rounds), state.baseValues, state.params);
}
