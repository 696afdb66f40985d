import type { Bar } from "../../core/market/bar";
import type { Timeframe } from "../../core/market/timeframes";
import type { BarIssue } from "../../core/market/validate";
import { cleanBars } from "../../core/market/validate";

/** Bars kept per (symbol, timeframe): enough for 200-bar features with long warm-ups, and bounded. */
export const BAR_STORE_MAX_PER_KEY = 2000;

type Row = { time: number; open: number; high: number; low: number; close: number; volume: number | null };

/**
 * A bounded per-(symbol, timeframe) bar store in the object's own SQLite, so a cycle reads its bars
 * locally with no round trip. Writes are upserts by bar open time (a later copy of a bar corrects
 * it); after each write only the newest `maxPerKey` bars of that key are kept.
 */
export class BarStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly transaction: <T>(fn: () => T) => T,
    private readonly maxPerKey = BAR_STORE_MAX_PER_KEY,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS market_bars (
      symbol TEXT NOT NULL,
      timeframe TEXT NOT NULL,
      time INTEGER NOT NULL,
      open REAL NOT NULL,
      high REAL NOT NULL,
      low REAL NOT NULL,
      close REAL NOT NULL,
      volume REAL,
      PRIMARY KEY (symbol, timeframe, time)
    ) WITHOUT ROWID`);
  }

  /**
   * Validates then upserts. Bad bars (see core/market/validate.ts) are refused and reported, never
   * stored; duplicates in the input: the last wins. Returns how many rows were written.
   */
  upsert(symbol: string, timeframe: Timeframe, input: readonly Bar[]): { written: number; issues: BarIssue[] } {
    const { bars, issues } = cleanBars(input);
    if (bars.length === 0) return { written: 0, issues };
    this.transaction(() => {
      for (const b of bars) {
        this.sql.exec(
          `INSERT INTO market_bars (symbol, timeframe, time, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (symbol, timeframe, time) DO UPDATE SET
             open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, volume = excluded.volume`,
          symbol,
          timeframe,
          b.time,
          b.open,
          b.high,
          b.low,
          b.close,
          b.volume ?? null,
        );
      }
      this.sql.exec(
        `DELETE FROM market_bars WHERE symbol = ? AND timeframe = ? AND time < (
           SELECT MIN(time) FROM (SELECT time FROM market_bars WHERE symbol = ? AND timeframe = ? ORDER BY time DESC LIMIT ?))`,
        symbol,
        timeframe,
        symbol,
        timeframe,
        this.maxPerKey,
      );
    });
    return { written: bars.length, issues };
  }

  /** The newest `limit` bars, oldest first. */
  latest(symbol: string, timeframe: Timeframe, limit: number): Bar[] {
    const rows = this.sql
      .exec<Row>(
        `SELECT time, open, high, low, close, volume FROM market_bars WHERE symbol = ? AND timeframe = ? ORDER BY time DESC LIMIT ?`,
        symbol,
        timeframe,
        limit,
      )
      .toArray();
    return rows.reverse().map(toBar);
  }

  /** Open time of the newest stored bar, or undefined. */
  newestTime(symbol: string, timeframe: Timeframe): number | undefined {
    const row = this.sql
      .exec<{ t: number | null }>(
        `SELECT MAX(time) AS t FROM market_bars WHERE symbol = ? AND timeframe = ?`,
        symbol,
        timeframe,
      )
      .one();
    return row.t ?? undefined;
  }

  count(symbol: string, timeframe: Timeframe): number {
    return this.sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM market_bars WHERE symbol = ? AND timeframe = ?`,
        symbol,
        timeframe,
      )
      .one().n;
  }
}

function toBar(r: Row): Bar {
  const b: Bar = { time: r.time, open: r.open, high: r.high, low: r.low, close: r.close };
  if (r.volume !== null) b.volume = r.volume;
  return b;
}
