import { z } from "zod";
import { CLASSES } from "../onnx/classes";

const DirectionSchema = z.enum(CLASSES);
const ProbabilitiesSchema = z.tuple([z.number(), z.number(), z.number()]).describe("[SELL, HOLD, BUY]");

/** One model's part in a consensus; unhealthy models carry their error and weigh nothing. */
export const ModelBreakdownSchema = z.object({
  timeframe: z.string(),
  weight: z.number().describe("configured weight"),
  effectiveWeight: z.number().describe("weight after excluding unhealthy models and renormalising"),
  healthy: z.boolean(),
  direction: DirectionSchema.nullable(),
  confidence: z.number().nullable(),
  probabilities: ProbabilitiesSchema.nullable(),
  error: z.string().optional(),
});

/** Weighted consensus of a bot's ensemble (see docs/STRATEGY.md for the math). */
export const EnsembleResultSchema = z.object({
  direction: DirectionSchema,
  confidence: z.number().describe("weighted probability of the chosen class; 0 when no model is healthy"),
  probabilities: ProbabilitiesSchema.nullable().describe("weighted [SELL, HOLD, BUY]; null when no model is healthy"),
  healthyModels: z.number().int(),
  totalModels: z.number().int(),
  reason: z.string(),
  breakdown: z.array(ModelBreakdownSchema),
});

export type ModelBreakdown = z.infer<typeof ModelBreakdownSchema>;
export type EnsembleResult = z.infer<typeof EnsembleResultSchema>;
