import { z } from "zod";
import { TimeframeSchema } from "../market/timeframes";

/**
 * Training on the edge: POST /ml/models/{id}/train, GET .../train/{job_id}, POST .../rollback, and
 * the TRAINING_* events the user's object emits while a job runs. Every knob is bounded so one job's
 * total work is bounded too (max trees x rows x features x depth); slices are bounded separately.
 */
export const TRAIN_LIMITS = {
  maxTrees: 300,
  treesPerSlice: 100,
  bars: { min: 350, max: 2000 },
} as const;

export const TrainRequestSchema = z
  .object({
    timeframe: TimeframeSchema,
    max_trees: z
      .number()
      .int()
      .min(1)
      .max(TRAIN_LIMITS.maxTrees)
      .default(60)
      .describe("boosting rounds at most (early stopping may use fewer)"),
    trees_per_slice: z
      .number()
      .int()
      .min(1)
      .max(TRAIN_LIMITS.treesPerSlice)
      .optional()
      .describe("trees per alarm slice; default: as many as fit the per-slice work budget"),
    max_depth: z.number().int().min(1).max(5).default(3),
    learning_rate: z.number().min(0.01).max(0.5).default(0.1),
    min_leaf: z.number().int().min(5).max(500).default(30),
    horizon: z.number().int().min(1).max(48).default(6).describe("triple-barrier horizon in bars"),
    atr_mult: z.number().min(0.25).max(10).default(1.5).describe("triple-barrier distance in ATRs"),
    bars: z
      .number()
      .int()
      .min(TRAIN_LIMITS.bars.min)
      .max(TRAIN_LIMITS.bars.max)
      .default(TRAIN_LIMITS.bars.max)
      .describe("newest stored bars to train on (300 of them are feature warm-up)"),
    holdout_share: z
      .number()
      .min(0.1)
      .max(0.4)
      .default(0.2)
      .describe("newest share of labeled rows held out (purged) for the final score"),
    patience: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(20)
      .describe("early stopping: rounds without improvement on the validation rows"),
    require_beats_baseline: z
      .boolean()
      .default(false)
      .describe("true: a model whose holdout log loss is not below the class prior's is stored but NOT activated"),
  })
  .strict();
export type TrainRequest = z.infer<typeof TrainRequestSchema>;
export type TrainParams = Omit<TrainRequest, "timeframe">;

export const TrainStageSchema = z.enum(["queued", "prepare", "train", "finalize", "done", "failed"]);
export type TrainStage = z.infer<typeof TrainStageSchema>;

export const TrainMetricsSchema = z
  .object({
    bars: z.number().int(),
    train_rows: z.number().int(),
    valid_rows: z.number().int(),
    holdout_rows: z.number().int(),
    trees: z.number().int(),
    valid_log_loss: z.number().nullable(),
    best_trees: z.number().int().nullable(),
    holdout_log_loss: z.number().nullable(),
    baseline_log_loss: z
      .number()
      .nullable()
      .describe("class prior (always-HOLD baseline's probabilities) on the holdout"),
    holdout_accuracy: z.number().nullable(),
    ort_max_abs_diff: z.number().nullable().describe("TS model vs the object's onnxruntime on the holdout rows"),
  })
  .partial();
export type TrainMetrics = z.infer<typeof TrainMetricsSchema>;

export const TrainResultSchema = z.object({
  version: z.number().int(),
  model_version_id: z.string(),
  r2_key: z.string(),
  activated: z.boolean(),
  retired_version: z.number().int().nullable(),
  worse_than_baseline: z.boolean(),
  note: z.string(),
});
export type TrainResult = z.infer<typeof TrainResultSchema>;

export const TrainErrorSchema = z.object({ code: z.string(), message: z.string(), stage: TrainStageSchema });

/** Event data of the TRAINING_* browser events (one schema per event type; the engine's event log carries them). */
const jobRef = { job_id: z.string(), bot_id: z.string(), timeframe: TimeframeSchema };
export const TrainingEventDataSchemas = {
  TRAINING_PROGRESS: z.object({
    ...jobRef,
    pct: z.number().min(0).max(100),
    stage: TrainStageSchema,
    metrics: TrainMetricsSchema.optional(),
  }),
  TRAINING_DONE: z.object({ ...jobRef, pct: z.literal(100), metrics: TrainMetricsSchema, result: TrainResultSchema }),
  TRAINING_FAILED: z.object({ ...jobRef, stage: TrainStageSchema, reason: z.string(), code: z.string() }),
} as const;
export type TrainingEventType = keyof typeof TrainingEventDataSchemas;
export type TrainingEventData<T extends TrainingEventType> = z.infer<(typeof TrainingEventDataSchemas)[T]>;

const eventRecord = <T extends TrainingEventType>(type: T) =>
  z.object({ type: z.literal(type), at: z.number().int(), data: TrainingEventDataSchemas[type] });
/** One recorded event of a job (the same data the socket event carries). */
export const TrainingEventRecordSchema = z.discriminatedUnion("type", [
  eventRecord("TRAINING_PROGRESS"),
  eventRecord("TRAINING_DONE"),
  eventRecord("TRAINING_FAILED"),
]);
export type TrainingEventRecord = z.infer<typeof TrainingEventRecordSchema>;

export const TrainJobSchema = z.object({
  job_id: z.string(),
  bot_id: z.string(),
  symbol: z.string(),
  timeframe: TimeframeSchema,
  status: z.enum(["queued", "running", "done", "failed"]),
  stage: TrainStageSchema,
  pct: z.number().min(0).max(100),
  slices: z.number().int().describe("alarm slices run so far"),
  params: TrainRequestSchema.omit({ timeframe: true }),
  metrics: TrainMetricsSchema,
  result: TrainResultSchema.nullable(),
  error: TrainErrorSchema.nullable(),
  events: z.array(TrainingEventRecordSchema).describe("the TRAINING_* events of this job, in order"),
  created_at: z.number().int(),
  updated_at: z.number().int(),
});
export type TrainJob = z.infer<typeof TrainJobSchema>;

export const TrainAcceptedSchema = z.object({
  job_id: z.string(),
  status: TrainJobSchema.shape.status,
  stage: TrainStageSchema,
});
export type TrainAccepted = z.infer<typeof TrainAcceptedSchema>;

export const RollbackRequestSchema = z.object({ timeframe: TimeframeSchema }).strict();
export const RollbackResponseSchema = z.object({
  bot_id: z.string(),
  timeframe: TimeframeSchema,
  active_version: z.number().int(),
  r2_key: z.string(),
  retired_version: z.number().int(),
});
export type RollbackResponse = z.infer<typeof RollbackResponseSchema>;
