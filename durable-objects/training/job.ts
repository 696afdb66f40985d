// A resumable training job inside the user's object. One job runs at a time per object; each call
// of step() (from the object's alarm) does one bounded slice of ONE stage and persists everything
// it needs to continue, so an eviction or a crash between slices loses at most that slice:
//   prepare  -> snapshot the bars (from the object's bar store), check the split is big enough
//   train    -> K more trees (K from a work budget in counts: rows x features x depth), state as JSON
//   finalize -> export ONNX, check the contract, run it in the object's ORT against the TS model,
//               store in R2 + model_versions (new version active, previous retired: one D1 batch)
import { FEATURE_COUNT, FEATURE_SCHEMA } from "../../core/features/schema";
import { type Bar, BarSchema } from "../../core/market/bar";
import type { Timeframe } from "../../core/market/timeframes";
import {
  bestRounds,
  GbtStepper,
  type GbtStepState,
  GbtStepStateSchema,
  gbtInitialState,
  gbtModelFromState,
  treesPerSlice,
} from "../../core/ml/train/budgeted";
import { predictRows } from "../../core/ml/train/dataset";
import { exportOnnx } from "../../core/ml/train/export";
import type { GbtParams } from "../../core/ml/train/gbt";
import { priorProbs, score } from "../../core/ml/train/metrics";
import { CLASS_INDEX } from "../../core/onnx/classes";
import { validateModelContract } from "../../core/onnx/contract";
import type {
  TrainingEventData,
  TrainingEventType,
  TrainJob,
  TrainMetrics,
  TrainParams,
  TrainResult,
  TrainStage,
} from "../../core/protocol/training";
import { errorMessage } from "../../core/util/error-message";
import type { Env } from "../../platform/env";
import { storeModelVersion, versionOfJob } from "../../platform/ml/model-versions";
import type { StartResult } from "../../platform/rpc/user-bot";
import type { CandlesResult } from "../market/market-service";
import { buildTrainingSet, TrainingInputError, type TrainingSet } from "./dataset";
import { type JobRecord, JobStore } from "./job-store";
import { runOnnxOnce } from "./verify";

/**
 * Work units per train slice (histogram cells: rows x features x depth per tree). Measured in Node 20
 * here on USD/CHF 2h/4h/1d (defaults, 60 trees): 120-200 ns per unit, so 4e6 units is ~0.5-0.8 s of
 * trees (~32 trees on 1,074 rows x 38 features x depth 3), plus 0.1-0.5 s to rebuild features and
 * bins when the object was evicted between slices: inside "<= 2 s" and far inside the 30 s alarm CPU
 * limit. Counted, never timed (workerd's clock does not move while computing).
 */
export const SLICE_BUDGET_UNITS = 4_000_000;
/** TS model vs onnxruntime on the holdout rows: the export must agree this closely or the job fails. */
export const ORT_TOLERANCE = 1e-5;

const PCT = { prepare: 5, trainEnd: 90, done: 100 } as const;
const SCHEMA_LABEL = `'${FEATURE_SCHEMA.name}' v${FEATURE_SCHEMA.version}`;

export interface TrainingHost {
  storage: DurableObjectStorage;
  env: Pick<Env, "DB" | "MODELS">;
  /** Newest `limit` closed bars from the object's market service / bar store. */
  candles(symbol: string, timeframe: Timeframe, limit: number): Promise<CandlesResult>;
  /** Where TRAINING_* events go besides the job's own record (the engine's event log + sockets). */
  publish(type: TrainingEventType, data: TrainingEventData<TrainingEventType>): void;
  now?: () => number;
}

export interface StartInput {
  userId: string;
  botId: string;
  symbol: string;
  timeframe: Timeframe;
  params: TrainParams;
}

export type { StartResult };

class JobFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class TrainingJobs {
  readonly store: JobStore;
  private readonly now: () => number;
  /** Rebuilt context of the running job (a cache: the same thing is rebuilt from storage after an eviction). */
  private cache: { jobId: string; set: TrainingSet; stepper: GbtStepper } | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly host: TrainingHost) {
    this.store = new JobStore(host.storage.sql);
    this.now = host.now ?? Date.now;
  }

  start(input: StartInput): StartResult {
    const open = this.store.openFor(input.botId, input.timeframe);
    if (open) return { ok: false, reason: "conflict", job: this.view(open) };
    const t = this.now();
    const job: JobRecord = {
      id: crypto.randomUUID(),
      userId: input.userId,
      botId: input.botId,
      symbol: input.symbol,
      timeframe: input.timeframe,
      status: "queued",
      stage: "queued",
      pct: 0,
      slices: 0,
      params: input.params,
      metrics: {},
      result: null,
      error: null,
      createdAt: t,
      updatedAt: t,
    };
    this.host.storage.transactionSync(() => this.store.insert(job));
    return { ok: true, job: this.view(job) };
  }

  status(jobId: string): TrainJob | null {
    const job = this.store.get(jobId);
    return job ? this.view(job) : null;
  }

  hasOpen(): boolean {
    return this.store.nextOpen() !== undefined;
  }

  /** One slice of the oldest open job. Returns whether work remains (the caller re-arms the alarm). */
  async step(): Promise<{ jobId: string | null; more: boolean }> {
    while (this.running) await this.running.catch(() => undefined); // never two slices at once
    const p = this.stepOnce();
    this.running = p;
    try {
      return await p;
    } finally {
      this.running = null;
    }
  }

  private async stepOnce(): Promise<{ jobId: string | null; more: boolean }> {
    const job = this.store.nextOpen();
    if (!job) return { jobId: null, more: false };
    job.status = "running";
    job.slices++;
    if (job.stage === "queued") job.stage = "prepare";
    try {
      if (job.stage === "prepare") await this.prepare(job);
      else if (job.stage === "train") this.train(job);
      else if (job.stage === "finalize") await this.finalize(job);
    } catch (err) {
      this.fail(job, err);
    }
    return { jobId: job.id, more: this.hasOpen() };
  }

  private async prepare(job: JobRecord): Promise<void> {
    const r = await this.host.candles(job.symbol, job.timeframe, job.params.bars);
    if (!r.ok) throw new JobFailure(r.reason, `no bars to train on: ${r.message}`);
    const set = buildTrainingSet(r.bars, job.params);
    const state = gbtInitialState(set.train, gbtParams(job.params), job.params.patience);
    job.metrics = {
      bars: r.bars.length,
      train_rows: set.train.rows.length,
      valid_rows: set.valid.rows.length,
      holdout_rows: set.holdout.rows.length,
      trees: 0,
    };
    this.cache = { jobId: job.id, set, stepper: new GbtStepper(set.train, set.valid, state.params.bins) };
    this.commit(job, "train", PCT.prepare, () => {
      this.store.setBlob(job.id, "bars", JSON.stringify(r.bars));
      this.store.setBlob(job.id, "trainer", JSON.stringify(state));
    });
  }

  private train(job: JobRecord): void {
    const { set, stepper } = this.context(job);
    const state = this.trainerState(job);
    const k =
      job.params.trees_per_slice ??
      treesPerSlice(set.train.rows.length, FEATURE_COUNT, job.params.max_depth, SLICE_BUDGET_UNITS);
    const next = stepper.step(state, k);
    const last = next.validLoss[next.validLoss.length - 1];
    job.metrics = {
      ...job.metrics,
      trees: next.trees.length,
      valid_log_loss: last ?? null,
      best_trees: bestRounds(next),
    };
    const pct = next.done
      ? PCT.trainEnd
      : PCT.prepare + ((PCT.trainEnd - PCT.prepare) * next.trees.length) / next.params.rounds;
    this.commit(job, next.done ? "finalize" : "train", Math.floor(pct * 10) / 10, () =>
      this.store.setBlob(job.id, "trainer", JSON.stringify(next)),
    );
  }

  private async finalize(job: JobRecord): Promise<void> {
    const { set } = this.context(job);
    const state = this.trainerState(job);
    const rounds = bestRounds(state);
    const model = gbtModelFromState(state, rounds);
    const hold = set.holdout;
    const y = hold.rows.map((t) => set.labels.y[t]!);
    const r = hold.rows.map((t) => set.labels.longReturn[t]!);
    const probs = predictRows(model, hold.x, hold.stride, hold.rows);
    const mine = score(probs, y, r);
    const prior = score(
      priorProbs(
        set.train.rows.map((t) => set.labels.y[t]!),
        hold.rows.length,
      ),
      y,
      r,
      CLASS_INDEX.HOLD,
    );
    const worse = !(mine.logLoss < prior.logLoss);

    const onnx = exportOnnx(model, {
      producer: "edgetrader-edge-train",
      featureSchemaName: FEATURE_SCHEMA.name,
      featureSchemaHash: FEATURE_SCHEMA.hash,
      featureCount: FEATURE_COUNT,
      symbol: job.symbol,
      timeframe: job.timeframe,
      extra: {
        trainer: "gbt",
        labels: `triple-barrier h=${job.params.horizon} k=${job.params.atr_mult}`,
        job_id: job.id,
      },
    });
    const contract = validateModelContract(onnx, {
      featureCount: FEATURE_COUNT,
      featureSchemaHash: FEATURE_SCHEMA.hash,
      schemaLabel: SCHEMA_LABEL,
    });
    if (!contract.ok)
      throw new JobFailure(
        "invalid_onnx",
        `exported model breaks the contract: ${contract.errors.map((e) => e.message).join("; ")}`,
      );
    // The runtime that will serve it must compute what the trainer computed.
    const rows = new Float32Array(hold.rows.length * FEATURE_COUNT);
    hold.rows.forEach((t, i) =>
      rows.set(hold.x.subarray(t * FEATURE_COUNT, (t + 1) * FEATURE_COUNT), i * FEATURE_COUNT),
    );
    const ort = await runOnnxOnce(onnx, rows, FEATURE_COUNT);
    let maxDiff = 0;
    for (let i = 0; i < probs.length; i++) maxDiff = Math.max(maxDiff, Math.abs(probs[i]! - ort[i]!));
    if (!(maxDiff <= ORT_TOLERANCE))
      throw new JobFailure(
        "ort_mismatch",
        `onnxruntime and the trainer disagree by ${maxDiff} (> ${ORT_TOLERANCE}) on holdout rows`,
      );

    const metrics: TrainMetrics = {
      ...job.metrics,
      best_trees: rounds,
      holdout_log_loss: mine.logLoss,
      baseline_log_loss: prior.logLoss,
      holdout_accuracy: mine.accuracy,
      ort_max_abs_diff: maxDiff,
    };
    const activate = !(worse && job.params.require_beats_baseline);
    const bars = this.bars(job);
    const card = {
      source: "edge-train",
      job_id: job.id,
      trainer: {
        family: "gbt",
        params: state.params,
        trees: rounds,
        grown: state.trees.length,
        stop: state.stopReason,
        patience: state.patience,
      },
      labels: { method: "triple-barrier", horizonBars: job.params.horizon, atrMult: job.params.atr_mult },
      data: {
        symbol: job.symbol,
        timeframe: job.timeframe,
        bars: bars.length,
        firstBar: new Date(bars[0]!.time).toISOString(),
        lastBar: new Date(bars[bars.length - 1]!.time).toISOString(),
        warmupBars: set.fm.validFrom,
      },
      split: {
        train: set.train.rows.length,
        valid: set.valid.rows.length,
        holdout: hold.rows.length,
        purgeBars: job.params.horizon,
      },
      holdout: { gbt: mine, classPrior: prior },
      worse_than_baseline: worse,
      feature_schema: {
        name: FEATURE_SCHEMA.name,
        version: FEATURE_SCHEMA.version,
        hash: FEATURE_SCHEMA.hash,
        feature_count: FEATURE_COUNT,
      },
      size_bytes: onnx.length,
    };
    // A retried finalize (alarm retry after the D1 batch but before this row was saved) reuses its version.
    const existing = await versionOfJob(this.host.env, job.botId, job.timeframe, job.id);
    const stored = existing
      ? {
          id: existing.id,
          version: existing.version,
          key: existing.r2Key,
          status: existing.status,
          retiredVersion: null,
        }
      : await storeModelVersion(this.host.env, {
          userId: job.userId,
          botId: job.botId,
          timeframe: job.timeframe,
          bytes: onnx,
          card,
          activate,
          metadata: { jobId: job.id },
        });
    const result: TrainResult = {
      version: stored.version,
      model_version_id: stored.id,
      r2_key: stored.key,
      activated: stored.status === "active",
      retired_version: stored.retiredVersion,
      worse_than_baseline: worse,
      note: worse
        ? `holdout log loss ${mine.logLoss.toFixed(4)} is NOT better than the class prior's ${prior.logLoss.toFixed(4)}: no edge found on this data. ` +
          (stored.status === "active"
            ? "It is active anyway; roll back to the previous version if you do not want it."
            : "Stored but not activated (require_beats_baseline).")
        : `holdout log loss ${mine.logLoss.toFixed(4)} vs the class prior's ${prior.logLoss.toFixed(4)}: better than the baseline on ${hold.rows.length} unseen rows.`,
    };
    job.metrics = metrics;
    job.result = result;
    job.status = "done";
    this.commit(job, "done", PCT.done, () => this.store.setBlob(job.id, "trainer", null), "TRAINING_DONE");
    this.cache = null;
  }

  private fail(job: JobRecord, err: unknown): void {
    const code = err instanceof JobFailure || err instanceof TrainingInputError ? err.code : "internal";
    const message = errorMessage(err);
    const stage = job.stage;
    job.status = "failed";
    job.error = { code, message, stage };
    const data: TrainingEventData<"TRAINING_FAILED"> = {
      job_id: job.id,
      bot_id: job.botId,
      timeframe: job.timeframe,
      stage,
      reason: message,
      code,
    };
    const at = this.now();
    job.stage = "failed";
    job.updatedAt = at;
    this.host.storage.transactionSync(() => {
      this.store.save(job);
      this.store.setBlob(job.id, "trainer", null);
      this.store.addEvent(job.id, "TRAINING_FAILED", at, data);
    });
    this.host.publish("TRAINING_FAILED", data);
    this.cache = null;
  }

  /** Saves the job at its new stage and records + publishes its event, the storage part in one transaction. */
  private commit(
    job: JobRecord,
    stage: TrainStage,
    pct: number,
    write: () => void,
    type: "TRAINING_PROGRESS" | "TRAINING_DONE" = "TRAINING_PROGRESS",
  ): void {
    job.stage = stage;
    job.pct = pct;
    const at = this.now();
    job.updatedAt = at;
    const ref = { job_id: job.id, bot_id: job.botId, timeframe: job.timeframe };
    const data: TrainingEventData<TrainingEventType> =
      type === "TRAINING_DONE"
        ? { ...ref, pct: 100, metrics: job.metrics, result: job.result! }
        : { ...ref, pct, stage, metrics: job.metrics };
    this.host.storage.transactionSync(() => {
      write();
      this.store.save(job);
      this.store.addEvent(job.id, type, at, data);
    });
    this.host.publish(type, data);
  }

  private bars(job: JobRecord): Bar[] {
    const json = this.store.blob(job.id, "bars");
    if (json === null) throw new JobFailure("state_lost", "the job's bar snapshot is missing");
    return BarSchema.array().parse(JSON.parse(json));
  }

  private trainerState(job: JobRecord): GbtStepState {
    const json = this.store.blob(job.id, "trainer");
    if (json === null) throw new JobFailure("state_lost", "the job's trainer state is missing");
    return GbtStepStateSchema.parse(JSON.parse(json));
  }

  private context(job: JobRecord): { set: TrainingSet; stepper: GbtStepper } {
    if (this.cache?.jobId === job.id) return this.cache;
    const set = buildTrainingSet(this.bars(job), job.params);
    this.cache = { jobId: job.id, set, stepper: new GbtStepper(set.train, set.valid, gbtParams(job.params).bins) };
    return this.cache;
  }

  private view(job: JobRecord): TrainJob {
    return {
      job_id: job.id,
      bot_id: job.botId,
      symbol: job.symbol,
      timeframe: job.timeframe,
      status: job.status,
      stage: job.stage,
      pct: job.pct,
      slices: job.slices,
      params: job.params,
      metrics: job.metrics,
      result: job.result,
      error: job.error,
      events: this.store.events(job.id),
      created_at: job.createdAt,
      updated_at: job.updatedAt,
    };
  }
}

function gbtParams(p: TrainParams): GbtParams {
  return {
    rounds: p.max_trees,
    maxDepth: p.max_depth,
    learningRate: p.learning_rate,
    minLeaf: p.min_leaf,
    lambda: 1,
    bins: 32,
    subsample: 0.8,
    seed: 7,
  };
}
