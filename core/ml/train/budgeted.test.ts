import { describe, expect, it } from "vitest";
import { CLASS_INDEX } from "../../onnx/classes";
import { mulberry32 } from "../../random/prng";
import {
  bestRounds,
  GbtStepper,
  type GbtStepState,
  GbtStepStateSchema,
  gbtInitialState,
  gbtModelFromState,
  treesPerSlice,
} from "./budgeted";
import type { Dataset } from "./dataset";
import { DEFAULT_GBT, fitGbt, type GbtParams } from "./gbt";

const F = 5;

/** Noisy 3-class data: the class leans on a linear score, so trees find splits and validation loss moves. */
function noisy(n: number, seed: number): Dataset {
  const rnd = mulberry32(seed);
  const x = new Float64Array(n * F);
  const y = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < F; j++) x[i * F + j] = (rnd() - 0.5) * 2;
    const s = x[i * F]! + 0.5 * x[i * F + 1]! + (rnd() - 0.5) * 1.5;
    y[i] = s > 0.3 ? CLASS_INDEX.BUY : s < -0.3 ? CLASS_INDEX.SELL : CLASS_INDEX.HOLD;
  }
  return { x, stride: F, rows: Array.from({ length: n }, (_, i) => i), y };
}

const data = noisy(1500, 11);
const train: Dataset = { ...data, rows: data.rows.slice(0, 1200) };
const valid: Dataset = { ...data, rows: data.rows.slice(1200) };
const params: GbtParams = { ...DEFAULT_GBT, rounds: 40, minLeaf: 20, learningRate: 0.2 };

/** Runs the stepper in slices of k trees, through JSON and a fresh stepper per slice (as after an eviction). */
function sliced(k: number, patience: number | null, p: GbtParams = params): { state: GbtStepState; slices: number } {
  let json = JSON.stringify(gbtInitialState(train, p, patience));
  let slices = 0;
  for (;;) {
    const state = GbtStepStateSchema.parse(JSON.parse(json));
    if (state.done) return { state, slices };
    json = JSON.stringify(new GbtStepper(train, valid, p.bins).step(state, k));
    slices++;
  }
}

describe("step-wise GBT (budgeted.ts)", () => {
  it("grows exactly fitGbt's trees when run in JSON-persisted slices with a fresh stepper each time", () => {
    const ref = fitGbt(train, params, valid);
    const { state, slices } = sliced(3, null);
    expect(slices).toBe(Math.ceil(params.rounds / 3));
    expect(state.trees).toEqual(ref.model.trees);
    expect(state.baseValues).toEqual(ref.model.baseValues);
    expect(state.validLoss).toEqual(ref.validLoss);
    expect(state.stopReason).toBe("rounds");
    const row = data.x.subarray(1300 * F, 1301 * F);
    expect(Array.from(gbtModelFromState(state).predictProba(row))).toEqual(Array.from(ref.model.predictProba(row)));
  });

  it("stops early at the same round as fitGbt with patience, and a kept stepper gives the same as fresh ones", () => {
    const p = { ...params, rounds: 200, learningRate: 0.5, minLeaf: 5, maxDepth: 5 };
    const ref = fitGbt(train, p, valid, 4);
    expect(ref.model.trees.length).toBeLessThan(p.rounds); // the setting really overfits, so early stopping happens
    const fresh = sliced(7, 4, p).state;
    expect(fresh.stopReason).toBe("early_stop");
    expect(fresh.trees).toEqual(ref.model.trees);
    const stepper = new GbtStepper(train, valid, p.bins);
    let kept = gbtInitialState(train, p, 4);
    while (!kept.done) kept = stepper.step(kept, 5);
    expect(kept).toEqual(fresh);
    expect(bestRounds(kept)).toBe(ref.validLoss.indexOf(Math.min(...ref.validLoss)) + 1);
  });

  it("does not modify the state it is given, and a done state is a no-op", () => {
    const s0 = gbtInitialState(train, params, null);
    const copy = JSON.parse(JSON.stringify(s0)) as typeof s0;
    const s1 = new GbtStepper(train, valid, params.bins).step(s0, 2);
    expect(s0).toEqual(copy);
    expect(s1.trees.length).toBe(2);
    const done = { ...s1, done: true };
    expect(new GbtStepper(train, valid, params.bins).step(done, 5).trees.length).toBe(2);
  });

  it("sizes slices by work units, at least one tree", () => {
    expect(treesPerSlice(1000, 38, 3, 1_140_000)).toBe(10);
    expect(treesPerSlice(1_000_000, 38, 5, 10)).toBe(1);
  });
});
