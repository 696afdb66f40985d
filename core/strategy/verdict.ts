import { z } from "zod";

/** One leaf rule as evaluated: its text, the values it saw (null = missing) and the outcome. */
export const RuleCheckSchema = z.object({
  rule: z.string(),
  current: z.record(z.string(), z.number().nullable()),
  previous: z.record(z.string(), z.number().nullable()).optional().describe("only for crosses"),
  passed: z.boolean(),
});

/** Whether the strategy agrees with the model's direction, why, and every rule it checked. */
export const StrategyVerdictSchema = z.object({
  agreed: z.boolean(),
  reason: z.string(),
  checks: z.array(RuleCheckSchema),
});

export type RuleCheck = z.infer<typeof RuleCheckSchema>;
export type StrategyVerdict = z.infer<typeof StrategyVerdictSchema>;
