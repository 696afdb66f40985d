import { sessionsOf } from "../../core/instruments/market-hours";
import type { SessionSchedule } from "../../core/instruments/sessions";
import { parseBarsCsv } from "../../core/market/csv";
import { ReplayFeed } from "../../core/market/replay";
import type { Timeframe } from "../../core/market/timeframes";
import { REPLAY_BASE_TIMEFRAMES } from "../../core/protocol/symbol-market";
import sp500Csv from "../../models/data/sp500_daily.csv";
import usdchfCsv from "../../models/data/usdchf_30m.csv";

/**
 * The hours of the replayed USD/CHF quotes as the file stamps them: weekdays Monday 00:00 to
 * Friday 24:00 (times read as UTC). 258 of the file's 261 gaps longer than 3 h run from Friday
 * 23:30 to Monday 00:00; the real FX week (Sunday 17:00 to Friday 17:00 New York) would call its
 * Friday-evening bars "closed" and its Sunday evenings "open without data".
 */
const USDCHF_REPLAY_HOURS: SessionSchedule = {
  kind: "weekly",
  timeZone: "UTC",
  windows: [{ open: { day: 1, minute: 0 }, close: { day: 6, minute: 0 } }],
  source: "the replayed 1996-2001 USD/CHF quotes: Monday 00:00 to Friday 24:00 as stamped in the file",
};

/**
 * The embedded replay data (models/data/, see SOURCE.md), bundled as Text modules: ~2.1 MB raw,
 * ~350 kB gzip. Parsed once per isolate on first use and shared by every object in it.
 */
export const REPLAY_SYMBOLS = {
  USDCHF: { csv: () => usdchfCsv, baseTimeframe: REPLAY_BASE_TIMEFRAMES.USDCHF, hours: USDCHF_REPLAY_HOURS },
  // Daily bars stamped 00:00 UTC of their date, after that day's cash session: the index's own hours fit.
  SPX500: { csv: () => sp500Csv, baseTimeframe: REPLAY_BASE_TIMEFRAMES.SPX500, hours: sessionsOf("SPX500") },
} as const satisfies Record<string, { csv: () => string; baseTimeframe: Timeframe; hours: SessionSchedule }>;
export type ReplaySymbol = keyof typeof REPLAY_SYMBOLS;

export function isReplaySymbol(s: string): s is ReplaySymbol {
  return Object.hasOwn(REPLAY_SYMBOLS, s);
}

/** The hours a symbol trades in this object's market: the replay data's own, else the catalog's. */
export function marketHours(symbol: string): SessionSchedule {
  return isReplaySymbol(symbol) ? REPLAY_SYMBOLS[symbol].hours : sessionsOf(symbol);
}

const parsed = new Map<ReplaySymbol, ReturnType<typeof parseBarsCsv>["bars"]>();
export function replayBars(symbol: ReplaySymbol) {
  let bars = parsed.get(symbol);
  if (!bars) {
    bars = parseBarsCsv(REPLAY_SYMBOLS[symbol].csv()).bars;
    parsed.set(symbol, bars);
  }
  return bars;
}

/** Persisted replay clock: where virtual time started and the real time it started at. */
export interface ReplayClock {
  seed: number;
  speed: number;
  realStart: number;
  /** Start at the bar closing at this market time (REPLAY_START), where the symbol's data has it; else the seed decides. */
  startAt?: number | null;
}

const feeds = new Map<string, { feed: ReplayFeed; realNow: () => number }>();

/**
 * A feed whose virtual now is derived from the persisted clock, so it survives object restarts.
 * Kept per clock in the isolate (nothing here calls `advance`): building one validates the whole
 * history, and its coarser series are resampled once per feed.
 */
export function replayFeed(symbol: ReplaySymbol, clock: ReplayClock, realNow: () => number = Date.now): ReplayFeed {
  const key = `${symbol}:${clock.seed}:${clock.speed}:${clock.realStart}:${clock.startAt ?? ""}`;
  const hit = feeds.get(key);
  if (hit && hit.realNow === realNow) return hit.feed;
  const feed = new ReplayFeed({
    symbol,
    bars: replayBars(symbol),
    baseTimeframe: REPLAY_SYMBOLS[symbol].baseTimeframe,
    seed: clock.seed,
    speed: clock.speed,
    realNow,
    realStart: clock.realStart,
    ...(clock.startAt != null ? { startAt: clock.startAt } : {}),
  });
  if (feeds.size >= 16) feeds.delete(feeds.keys().next().value!);
  feeds.set(key, { feed, realNow });
  return feed;
}
