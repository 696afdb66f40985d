import { parseBarsCsv } from "../../core/market/csv";
import { ReplayFeed } from "../../core/market/replay";
import type { Timeframe } from "../../core/market/timeframes";
import sp500Csv from "../../models/data/sp500_daily.csv";
import usdchfCsv from "../../models/data/usdchf_30m.csv";

/**
 * The embedded replay data (models/data/, see SOURCE.md), bundled as Text modules: ~2.1 MB raw,
 * ~350 kB gzip. Parsed once per isolate on first use and shared by every object in it.
 */
export const REPLAY_SYMBOLS = {
  USDCHF: { csv: () => usdchfCsv, baseTimeframe: "30m" },
  SPX500: { csv: () => sp500Csv, baseTimeframe: "1d" },
} as const satisfies Record<string, { csv: () => string; baseTimeframe: Timeframe }>;
export type ReplaySymbol = keyof typeof REPLAY_SYMBOLS;

export function isReplaySymbol(s: string): s is ReplaySymbol {
  return Object.hasOwn(REPLAY_SYMBOLS, s);
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
}

/** A feed whose virtual now is derived from the persisted clock, so it survives object restarts. */
export function replayFeed(symbol: ReplaySymbol, clock: ReplayClock, realNow: () => number = Date.now): ReplayFeed {
  return new ReplayFeed({
    symbol,
    bars: replayBars(symbol),
    baseTimeframe: REPLAY_SYMBOLS[symbol].baseTimeframe,
    seed: clock.seed,
    speed: clock.speed,
    realNow,
    realStart: clock.realStart,
  });
}
