import { z } from "zod";
import { BarSchema } from "../market/bar";
import { TimeframeSchema } from "../market/timeframes";

/**
 * Market object -> user object (RPC): closed bars of one market, oldest first, and the exchange's
 * clock when they were sent (the user object judges freshness by it). Validated on arrival like
 * every other source's bars.
 */
export const MarketBarsPushSchema = z.object({
  symbol: z.string().regex(/^[A-Z0-9_]{2,32}$/),
  timeframe: TimeframeSchema,
  bars: z.array(BarSchema).max(2000),
  asOf: z.number().int().nonnegative(),
});
export type MarketBarsPush = z.infer<typeof MarketBarsPushSchema>;

/** What a market object reports about its upstream (health, tests). */
export const MarketFeedStatusSchema = z.object({
  symbol: z.string(),
  timeframe: TimeframeSchema,
  connected: z.boolean(),
  subscribers: z.number().int(),
  bars: z.number().int(),
  lastClosed: z.number().nullable(),
  clock: z.number(),
  reconnects: z.number().int(),
  frames: z.number().int(),
  malformed: z.number().int(),
  stale: z.number().int(),
  invalid: z.number().int(),
  gaps: z.number().int(),
  backfilled: z.number().int(),
  pendingGaps: z.number().int(),
  fanoutErrors: z.number().int(),
});
export type MarketFeedStatus = z.infer<typeof MarketFeedStatusSchema>;
