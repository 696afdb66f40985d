import type { Bar } from "../../core/market/bar";
import { checkFreshness } from "../../core/market/freshness";
import { TIMEFRAME_MS, type Timeframe } from "../../core/market/timeframes";
import { MarketBarsPushSchema } from "../../core/protocol/market-push";
import type { MarketSubscribeResult } from "../../platform/rpc/delta-market";
import type { CandlesResult } from "../../platform/rpc/user-bot";
import type { Quote } from "../engine/replay-quotes";
import type { BarStore } from "./bar-store";

/** The market object's answer to a subscription (durable-objects/delta-market). */
export type MarketSubscribe = (symbol: string, timeframe: Timeframe, limit: number) => Promise<MarketSubscribeResult>;

/**
 * A user object's side of the Delta markets: bars pushed by the market objects (or returned when it
 * subscribes) go into the object's bar store through the same validation as every source; the
 * exchange clock that came with them is kept per market so freshness is judged by Delta's time.
 * A cycle reads local bars; it asks the market object only when it has too few or stale ones.
 */
export class DeltaBars {
  constructor(
    private readonly sql: SqlStorage,
    private readonly store: BarStore,
    private readonly subscribe: MarketSubscribe,
    private readonly realNow: () => number = Date.now,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS delta_clock (
      symbol TEXT NOT NULL, timeframe TEXT NOT NULL, as_of INTEGER NOT NULL, received_at INTEGER NOT NULL,
      PRIMARY KEY (symbol, timeframe)) WITHOUT ROWID`);
  }

  /** A fan-out from a market object. Returns how many bars were stored (bad ones are refused and reported). */
  onPush(input: unknown): { written: number; refused: number } {
    const push = MarketBarsPushSchema.parse(input);
    const r = this.store.upsert(push.symbol, push.timeframe, push.bars);
    this.setClock(push.symbol, push.timeframe, push.asOf);
    return { written: r.written, refused: r.issues.length };
  }

  /** Delta's time for this market: the clock of the last push, moved on by real time since; undefined before any. */
  clock(symbol: string, timeframe: Timeframe): number | undefined {
    const row = this.sql
      .exec<{ as_of: number; received_at: number }>(
        `SELECT as_of, received_at FROM delta_clock WHERE symbol = ? AND timeframe = ?`,
        symbol,
        timeframe,
      )
      .toArray()[0];
    return row ? row.as_of + Math.max(0, this.realNow() - row.received_at) : undefined;
  }

  async candles(symbol: string, timeframe: Timeframe, limit: number): Promise<CandlesResult> {
    let bars = this.store.latest(symbol, timeframe, limit);
    const clock = this.clock(symbol, timeframe);
    const usable =
      clock !== undefined && bars.length >= Math.min(limit, 200) && checkFreshness(bars, timeframe, clock).fresh;
    if (!usable) {
      const r = await this.subscribe(symbol, timeframe, limit);
      if (r.ok) {
        this.store.upsert(symbol, timeframe, r.bars);
        this.setClock(symbol, timeframe, r.asOf);
        bars = this.store.latest(symbol, timeframe, limit);
      } else if (bars.length === 0) {
        return { ok: false, reason: r.reason, message: r.message };
      }
    }
    if (bars.length === 0)
      return { ok: false, reason: "no_data", message: `no closed ${timeframe} bars for ${symbol} yet` };
    const now = this.clock(symbol, timeframe) ?? this.realNow();
    return {
      ok: true,
      symbol,
      timeframe,
      bars,
      source: "delta",
      freshness: checkFreshness(bars, timeframe, now),
      asOf: now,
    };
  }

  /** The finest market of `symbol` this object receives (its bars mark paper positions and trigger their exits). */
  private finest(symbol: string): Timeframe | undefined {
    const rows = this.sql
      .exec<{ timeframe: Timeframe }>(`SELECT timeframe FROM delta_clock WHERE symbol = ?`, symbol)
      .toArray();
    return rows.map((r) => r.timeframe).sort((a, b) => TIMEFRAME_MS[a] - TIMEFRAME_MS[b])[0];
  }

  /** Last traded price: the newest closed bar's close of the finest market, at the exchange's clock. */
  quote(symbol: string): Quote | null {
    const tf = this.finest(symbol);
    if (!tf) return null;
    const last = this.store.latest(symbol, tf, 1)[0];
    const clock = this.clock(symbol, tf);
    return last && clock !== undefined ? { symbol, mid: last.close, time: Math.floor(clock) } : null;
  }

  /** Closed bars of the finest market after `after` (paper SL/TP and trailing run over them). */
  newBars(symbol: string, after: number): Bar[] {
    const tf = this.finest(symbol);
    return tf ? this.store.latest(symbol, tf, 200).filter((b) => b.time > after) : [];
  }

  private setClock(symbol: string, timeframe: Timeframe, asOf: number): void {
    this.sql.exec(
      `INSERT INTO delta_clock (symbol, timeframe, as_of, received_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (symbol, timeframe) DO UPDATE SET as_of = excluded.as_of, received_at = excluded.received_at
       WHERE excluded.as_of >= delta_clock.as_of`,
      symbol,
      timeframe,
      asOf,
      this.realNow(),
    );
  }
}
