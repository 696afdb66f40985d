import { z } from "zod";

export const HealthCheckSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  ms: z.number(),
  detail: z.string().optional(),
});
export const HealthSchema = z.object({
  status: z.enum(["ok", "degraded"]),
  time: z.string(),
  checks: z.array(HealthCheckSchema),
});
export type HealthCheck = z.infer<typeof HealthCheckSchema>;
export type Health = z.infer<typeof HealthSchema>;

/** Public liveness (`GET /health`): no I/O behind it, so it is cheap and cacheable. */
export const LivenessSchema = z.object({
  status: z.literal("ok"),
  time: z.string(),
});
export type Liveness = z.infer<typeof LivenessSchema>;
