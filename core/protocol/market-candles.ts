import { z } from "zod";
import { BarSchema } from "../market/bar";
import { TimeframeSchema } from "../market/timeframes";
import { SymbolSchema } from "./market-data";

/** GET /api/v1/market/candles query. */
export const CandlesQuerySchema = z.object({
  symbol: SymbolSchema,
  timeframe: TimeframeSchema,
  limit: z.coerce.number().int().min(1).max(2000).default(200),
});
export type CandlesQuery = z.infer<typeof CandlesQuerySchema>;

export const CandlesResponseSchema = z.object({
  symbol: z.string(),
  timeframe: TimeframeSchema,
  source: z.string(),
  /** Closed bars, oldest first; `time` is the bar open time (epoch ms UTC). */
  bars: z.array(BarSchema),
  /** The (virtual, for replay) time the answer was made at, epoch ms. */
  asOf: z.number(),
  fresh: z.boolean(),
  /** Why the data is not fresh (a cycle would skip with this reason). */
  staleReason: z.string().optional(),
});
export type CandlesResponse = z.infer<typeof CandlesResponseSchema>;
