import { isDeltaSymbol } from "../../core/instruments/delta-products";
import { checkFreshness } from "../../core/market/freshness";
import { TIMEFRAME_MS, type Timeframe } from "../../core/market/timeframes";
import type { CandlesResult } from "../../platform/rpc/user-bot";
import { BarStore } from "./bar-store";
import { DeltaBars, type MarketSubscribe } from "./delta-bars";
import { isReplaySymbol, marketHours, REPLAY_SYMBOLS, type ReplayClock, replayFeed } from "./replay-data";

/** Replay defaults: real-time speed, fixed seed, so every object replays the same history. */
export const DEFAULT_REPLAY_CLOCK = { seed: 1, speed: 1 } as const;

export type { CandlesResult };

/**
 * The object's market data: bars come from its bar store; the replay feed (the embedded default
 * source) fills and tops up the store up to the replay's virtual now. The connector (MT5) will
 * write into the same store through `store.upsert` on BAR_CLOSED / RATES_RESPONSE.
 */
export class MarketService {
  readonly store: BarStore;
  /** Delta Exchange symbols (BTCUSD, ETHUSD): bars from the shared market objects. */
  readonly delta: DeltaBars;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly realNow: () => number = Date.now,
    /** Clock settings used when this object's replay clock is first created (then persisted). */
    private readonly replayDefaults: Partial<Omit<ReplayClock, "realStart">> = {},
    deltaSubscribe: MarketSubscribe = async () => ({
      ok: false,
      reason: "upstream_error",
      message: "no Delta market binding",
    }),
  ) {
    this.store = new BarStore(storage.sql, (fn) => storage.transactionSync(fn));
    this.delta = new DeltaBars(storage.sql, this.store, deltaSubscribe, realNow);
    storage.sql.exec(`CREATE TABLE IF NOT EXISTS market_replay_clock (
      id INTEGER PRIMARY KEY CHECK (id = 1), seed INTEGER NOT NULL, speed REAL NOT NULL, real_start INTEGER NOT NULL, start_at INTEGER)`);
    // Objects created before REPLAY_START existed have the table without the column.
    const cols = storage.sql.exec<{ name: string }>(`PRAGMA table_info(market_replay_clock)`).toArray();
    if (!cols.some((c) => c.name === "start_at"))
      storage.sql.exec(`ALTER TABLE market_replay_clock ADD COLUMN start_at INTEGER`);
  }

  /** The persisted replay clock, created on first use (so virtual time keeps running across restarts). */
  replayClock(init: Partial<Omit<ReplayClock, "realStart">> = this.replayDefaults): ReplayClock {
    const row = this.storage.sql
      .exec<{ seed: number; speed: number; real_start: number; start_at: number | null }>(
        `SELECT seed, speed, real_start, start_at FROM market_replay_clock WHERE id = 1`,
      )
      .toArray()[0];
    if (row) return { seed: row.seed, speed: row.speed, realStart: row.real_start, startAt: row.start_at };
    const clock = {
      seed: init.seed ?? DEFAULT_REPLAY_CLOCK.seed,
      speed: init.speed ?? DEFAULT_REPLAY_CLOCK.speed,
      realStart: this.realNow(),
      startAt: init.startAt ?? null,
    };
    this.storage.sql.exec(
      `INSERT INTO market_replay_clock (id, seed, speed, real_start, start_at) VALUES (1, ?, ?, ?, ?)`,
      clock.seed,
      clock.speed,
      clock.realStart,
      clock.startAt,
    );
    return clock;
  }

  /** The market's clock for a symbol: the replay's virtual now for a replay symbol, else real time. */
  marketNow(symbol: string): number {
    return isReplaySymbol(symbol) ? replayFeed(symbol, this.replayClock(), this.realNow).virtualNow() : this.realNow();
  }

  /** Newest `limit` closed bars of symbol/timeframe from the store, after topping it up from replay. */
  async getCandles(symbol: string, timeframe: Timeframe, limit: number): Promise<CandlesResult> {
    if (isDeltaSymbol(symbol)) return this.delta.candles(symbol, timeframe, limit);
    if (!isReplaySymbol(symbol)) {
      // No live source configured here for other symbols: serve what the connector stored, if anything.
      const bars = this.store.latest(symbol, timeframe, limit);
      if (bars.length === 0) return { ok: false, reason: "unknown_symbol", message: `no market data for ${symbol}` };
      const now = this.realNow();
      return {
        ok: true,
        symbol,
        timeframe,
        bars,
        source: "store",
        freshness: checkFreshness(bars, timeframe, now, marketHours(symbol)),
        asOf: now,
      };
    }
    const base = REPLAY_SYMBOLS[symbol].baseTimeframe;
    if (TIMEFRAME_MS[timeframe] < TIMEFRAME_MS[base] || TIMEFRAME_MS[timeframe] % TIMEFRAME_MS[base] !== 0) {
      return {
        ok: false,
        reason: "unsupported_timeframe",
        message: `${symbol} replay data is ${base}; ${timeframe} cannot be made from it`,
      };
    }
    const feed = replayFeed(symbol, this.replayClock(), this.realNow);
    const virtualNow = feed.virtualNow();
    const newest = this.store.newestTime(symbol, timeframe);
    // Seed an empty store with the last BAR_STORE_MAX bars, or append only what closed since.
    const fresh = await feed.getBars(
      newest === undefined ? { symbol, timeframe, count: 2000 } : { symbol, timeframe, start: newest + 1 },
    );
    if (fresh.ok) this.store.upsert(symbol, timeframe, fresh.bars);
    const bars = this.store.latest(symbol, timeframe, limit);
    if (bars.length === 0)
      return { ok: false, reason: "no_data", message: `no closed ${timeframe} bars for ${symbol} yet` };
    return {
      ok: true,
      symbol,
      timeframe,
      bars,
      source: "replay",
      freshness: checkFreshness(bars, timeframe, virtualNow, marketHours(symbol)),
      asOf: virtualNow,
    };
  }
}
