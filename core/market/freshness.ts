import { nextOpen, openMsBetween, SESSIONS, type SessionSchedule } from "../instruments/sessions";
import type { Bar } from "./bar";
import type { MarketDataResult } from "./source";
import type { Timeframe } from "./timeframes";
import { TIMEFRAME_MS } from "./timeframes";

/** Seeds' rule: for short timeframes the newest data may be at most 5 minutes late. */
export const SHORT_TIMEFRAME_GRACE_MS = 5 * 60_000;
const SHORT_TIMEFRAME_MAX_MS = TIMEFRAME_MS["15m"];
/** Clock skew tolerated before a bar "from the future" is refused (look-ahead guard). */
export const FUTURE_SKEW_MS = 5_000;

export type Freshness =
  | { fresh: true; lastClose: number; ageMs: number }
  | { fresh: false; reason: "no_data" | "stale" | "from_future"; message: string; lastClose?: number; ageMs?: number };

/** A bucket [close - dur, close) is expected to produce a bar only if the market was open in it. */
const tradedIn = (s: SessionSchedule, close: number, dur: number) => openMsBetween(s, close - dur, close, 1) > 0;

/**
 * Bars missed since `lastClose`, in market time: closed buckets of the timeframe after it that
 * overlap an open session (a weekend or a night without a session produces no bar and misses
 * none). Counts up to 2, which is all the rule needs.
 */
function missedBars(s: SessionSchedule, lastClose: number, dur: number, now: number): number {
  let missed = 0;
  let close = lastClose + dur;
  while (close <= now && missed < 2) {
    if (tradedIn(s, close, dur)) {
      missed++;
      close += dur;
      continue;
    }
    const opens = nextOpen(s, close);
    if (opens === null) break;
    close = Math.max(close + dur, Math.floor(opens / dur) * dur + dur);
  }
  return missed;
}

/**
 * Is the newest CLOSED bar recent enough to decide on at `now`? Judged in market time: `sessions`
 * are the market's hours (default always open), and only buckets in which it traded count.
 * - Every timeframe: stale when two bars that should exist after the newest one have closed
 *   (for an always-open market: now - lastClose > 2 intervals).
 * - Timeframes <= 15m, additionally (seeds' 5-minute rule): stale when the bar that should have
 *   closed most recently (at floor(now / interval) * interval) is more than 5 minutes overdue.
 *   For 1m the 2-interval rule is the stricter one; for 5m and 15m the 5-minute rule is.
 * - A bar closing after now (+5 s skew) is refused: deciding on it would be look-ahead.
 */
export function checkFreshness(
  bars: readonly Bar[],
  timeframe: Timeframe,
  now: number,
  sessions: SessionSchedule = SESSIONS.always,
): Freshness {
  const last = bars[bars.length - 1];
  if (!last) return { fresh: false, reason: "no_data", message: `no ${timeframe} bars` };
  const dur = TIMEFRAME_MS[timeframe];
  const lastClose = last.time + dur;
  const ageMs = now - lastClose;
  const iso = new Date(lastClose).toISOString();
  if (ageMs < -FUTURE_SKEW_MS) {
    return {
      fresh: false,
      reason: "from_future",
      message: `newest ${timeframe} bar closes at ${iso}, after now`,
      lastClose,
      ageMs,
    };
  }
  if (ageMs > 2 * dur && missedBars(sessions, lastClose, dur, now) >= 2) {
    return {
      fresh: false,
      reason: "stale",
      message: `newest ${timeframe} bar closed at ${iso}, ${fmt(ageMs)} ago (2 bars missed while the market was open; > 2 intervals = ${fmt(2 * dur)})`,
      lastClose,
      ageMs,
    };
  }
  if (dur <= SHORT_TIMEFRAME_MAX_MS) {
    const due = Math.floor(now / dur) * dur;
    if (lastClose < due && now - due > SHORT_TIMEFRAME_GRACE_MS && tradedIn(sessions, due, dur)) {
      return {
        fresh: false,
        reason: "stale",
        message: `${timeframe} bar due at ${new Date(due).toISOString()} is ${fmt(now - due)} overdue (> 5 min)`,
        lastClose,
        ageMs,
      };
    }
  }
  return { fresh: true, lastClose, ageMs };
}

/**
 * The gate a cycle calls before deciding: a failed fetch or stale bars become a failure with a
 * reason (the cycle records it and skips, never trades); fresh bars pass through unchanged.
 */
export function requireFresh(result: MarketDataResult, now: number, sessions?: SessionSchedule): MarketDataResult {
  if (!result.ok) return result;
  const f = checkFreshness(result.bars, result.timeframe, now, sessions);
  if (f.fresh) return result;
  return {
    ok: false,
    reason: f.reason === "stale" ? "stale" : f.reason === "no_data" ? "no_data" : "malformed",
    message: f.message,
    source: result.source,
  };
}

function fmt(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 120 ? `${m} min` : `${(m / 60).toFixed(1)} h`;
}
