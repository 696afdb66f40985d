import { z } from "zod";
import type { Bar } from "./bar";
import { SymbolSchema } from "./symbol";
import { TimeframeSchema } from "./timeframes";
import type { BarIssue } from "./validate";

/** What a caller asks any market-data source for. Times are epoch ms UTC; start/end bound bar OPEN times, inclusive. */
export const MarketDataRequestSchema = z.object({
  symbol: SymbolSchema,
  timeframe: TimeframeSchema,
  count: z.number().int().min(1).max(5000).optional(),
  start: z.number().int().optional(),
  end: z.number().int().optional(),
});
export type MarketDataRequest = z.infer<typeof MarketDataRequestSchema>;

export const MARKET_DATA_FAILURES = [
  "rate_limited", // upstream said 429 after the bounded retries
  "upstream_error", // 5xx, network failure or timeout after the bounded retries
  "rejected", // upstream refused the request (4xx other than 429: bad symbol, bad range)
  "malformed", // body is not the documented format, or bars fail validation
  "gap", // bars are missing inside the requested range
  "stale", // newest bar is too old to decide on (see freshness.ts)
  "no_data", // nothing closed in the requested range
  "unknown_symbol", // this source does not carry the symbol
  "unsupported_timeframe", // this source cannot produce the timeframe
] as const;
export type MarketDataFailureReason = (typeof MARKET_DATA_FAILURES)[number];

export type MarketDataResult =
  | {
      ok: true;
      symbol: string;
      timeframe: MarketDataRequest["timeframe"];
      bars: Bar[];
      issues: BarIssue[];
      source: string;
    }
  | { ok: false; reason: MarketDataFailureReason; message: string; source: string; retryAfterMs?: number };

export type MarketDataFailure = Extract<MarketDataResult, { ok: false }>;

/**
 * One interface for every source (replay, Delta Exchange, MT5 via the connector). Bars are CLOSED
 * bars only, oldest first, validated. Upstream trouble is a result with a reason, never a throw: a
 * cycle that gets `ok: false` skips and records the reason.
 */
export interface MarketDataSource {
  readonly name: string;
  getBars(req: MarketDataRequest): Promise<MarketDataResult>;
}

export function fail(
  source: string,
  reason: MarketDataFailureReason,
  message: string,
  retryAfterMs?: number,
): MarketDataFailure {
  return retryAfterMs === undefined
    ? { ok: false, reason, message, source }
    : { ok: false, reason, message, source, retryAfterMs };
}

/** Applies start/end (open-time bounds) and count (newest N) to oldest-first bars. */
export function selectRange(bars: readonly Bar[], req: Pick<MarketDataRequest, "count" | "start" | "end">): Bar[] {
  let lo = 0;
  let hi = bars.length;
  if (req.start !== undefined) lo = lowerBound(bars, req.start);
  if (req.end !== undefined) hi = lowerBound(bars, req.end + 1);
  if (req.count !== undefined) lo = Math.max(lo, hi - req.count);
  return bars.slice(lo, Math.max(lo, hi));
}

/** First index whose time >= t (bars sorted by time). */
export function lowerBound(bars: readonly Bar[], t: number): number {
  let lo = 0;
  let hi = bars.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bars[mid]!.time < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
