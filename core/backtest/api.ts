// REST contract of POST /ml/models/{id}/backtest and GET /ml/models/{id}/backtests/latest.
import { z } from "zod";
import { BacktestReportSchema } from "./schema";

const Instant = z.union([
  z.number().int().nonnegative().describe("epoch ms"),
  z.iso.datetime({ offset: true }),
  z.iso.date(),
]);

export const BacktestRequestSchema = z
  .object({
    from: Instant.optional().describe("first decision/bar time (default: start of the stored history)"),
    to: Instant.optional().describe("end of the window, exclusive (default: now on the market clock)"),
    initial_balance: z.number().positive().max(1e9).default(10_000),
    walk_forward: z
      .number()
      .int()
      .min(2)
      .max(20)
      .optional()
      .describe("split the window into N consecutive windows, each with a fresh account"),
  })
  .strict();
export type BacktestRequest = z.infer<typeof BacktestRequestSchema>;

export const toEpoch = (x: number | string): number => (typeof x === "number" ? x : Date.parse(x));

export const StoredBacktestSchema = z.object({
  id: z.string(),
  bot_id: z.string(),
  created_at: z.number().int(),
  /** Bot config revision (updatedAt) the run used: a later config change makes it stale. */
  bot_updated_at: z.number().int(),
  report: BacktestReportSchema,
});
export type StoredBacktest = z.infer<typeof StoredBacktestSchema>;

export type BacktestOutcome =
  | { ok: true; backtest: StoredBacktest }
  | { ok: false; code: "not_found" | "bad_request" | "unprocessable"; message: string };
