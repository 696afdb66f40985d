import { z } from "zod";

export const TIMEFRAMES = ["1m", "5m", "15m", "30m", "1h", "2h", "4h", "1d"] as const;
export const TimeframeSchema = z.enum(TIMEFRAMES);
export type Timeframe = z.infer<typeof TimeframeSchema>;

const MINUTE = 60_000;
/** Duration of one bar of each timeframe in ms. 1d is a UTC calendar day (no DST in UTC). */
export const TIMEFRAME_MS: Record<Timeframe, number> = {
  "1m": MINUTE,
  "5m": 5 * MINUTE,
  "15m": 15 * MINUTE,
  "30m": 30 * MINUTE,
  "1h": 60 * MINUTE,
  "2h": 120 * MINUTE,
  "4h": 240 * MINUTE,
  "1d": 1440 * MINUTE,
};

export function timeframeMs(tf: Timeframe): number {
  return TIMEFRAME_MS[tf];
}

/** Close time of a bar that opened at `openTime` (exclusive end of its interval). */
export function barCloseTime(openTime: number, tf: Timeframe): number {
  return openTime + TIMEFRAME_MS[tf];
}

/** Open time of the UTC-aligned bucket containing `t`. Epoch 0 is a UTC midnight, so floor aligns every timeframe here. */
export function bucketStart(t: number, tf: Timeframe): number {
  const d = TIMEFRAME_MS[tf];
  return Math.floor(t / d) * d;
}

/** The next bar close strictly after `now`: the close time of the bucket that contains `now`. */
export function nextCloseAfter(now: number, tf: Timeframe): number {
  return bucketStart(now, tf) + TIMEFRAME_MS[tf];
}
