// Bars from the MT5 connector into the object's bar store (docs/MARKET_DATA.md, "MT5 through the
// connector"): RATES_REQUEST on every AUTH_OK for the bots that trade through the connector,
// RATES_RESPONSE / BAR_CLOSED validated and upserted, so MarketService serves them with no round trip.
import { BARS_PER_TIMEFRAME } from "../../core/decision/inputs";
import type { Bar } from "../../core/market/bar";
import type { Timeframe } from "../../core/market/timeframes";
import { cleanBars } from "../../core/market/validate";
import {
  type BarClosed,
  MAX_RATES_COUNT,
  type RatesRequest,
  type RatesResponse,
} from "../../core/protocol/market-data";
import { activeBots } from "../../platform/bots/store";
import { db } from "../../platform/db/client";
import type { Env } from "../../platform/env";
import { BarStore } from "../market/bar-store";
import { isReplaySymbol } from "../market/replay-data";

/** Warm-up plus the 200 bars a cycle reads (capped by the protocol's maximum). */
export const RATES_WARMUP_COUNT = Math.min(BARS_PER_TIMEFRAME, MAX_RATES_COUNT);

export type BarsOutcome = { ok: true; written: number } | { ok: false; message: string };

/** The bars a bot needs from the connector: its symbol x its ensemble timeframes. */
export interface BarNeed {
  symbol: string;
  timeframe: Timeframe;
}

export class ConnectorBars {
  /** The same market_bars table MarketService reads (CREATE IF NOT EXISTS, so either may come first). */
  readonly store: BarStore;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {
    this.store = new BarStore(ctx.storage.sql, (fn) => ctx.storage.transactionSync(fn));
  }

  /**
   * Every active bot's symbol x ensemble timeframes, except replay symbols: MarketService serves
   * those from the replay whatever the target, and live MT5 bars in the same store key would break
   * the replay's "append what closed since the newest bar" (replay time is virtual).
   */
  async needs(userId: string): Promise<BarNeed[]> {
    const seen = new Set<string>();
    const out: BarNeed[] = [];
    for (const { row, config } of await activeBots(db(this.env), userId)) {
      if (isReplaySymbol(row.symbol)) continue;
      for (const m of config.ensemble.models) {
        const key = `${row.symbol}\u0000${m.timeframe}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ symbol: row.symbol, timeframe: m.timeframe });
      }
    }
    return out;
  }

  requests(needs: readonly BarNeed[]): RatesRequest[] {
    return needs.map((n) => ({
      type: "RATES_REQUEST",
      id: `rates:${crypto.randomUUID()}`,
      symbol: n.symbol,
      timeframe: n.timeframe,
      count: RATES_WARMUP_COUNT,
    }));
  }

  /** A response with an error stores nothing (and is no protocol error: the terminal just had no bars). */
  onRates(r: RatesResponse): BarsOutcome {
    if (r.error) return { ok: true, written: 0 };
    return this.store_(r.symbol, r.timeframe, r.bars ?? []);
  }

  onBarClosed(b: BarClosed): BarsOutcome {
    return this.store_(b.symbol, b.timeframe, [b.bar]);
  }

  /** All or nothing: one bad bar refuses the whole frame, so the store never holds half a batch. */
  private store_(symbol: string, timeframe: Timeframe, bars: readonly Bar[]): BarsOutcome {
    if (isReplaySymbol(symbol))
      return {
        ok: false,
        message: `${symbol} is served by the replay feed here; its bars from the connector are not stored`,
      };
    const v = cleanBars(bars);
    if (v.issues.length > 0) {
      const first = v.issues[0]!;
      return {
        ok: false,
        message:
          `${v.issues.length} invalid bar(s) for ${symbol} ${timeframe}, first: ${first.code}: ${first.message}`.slice(
            0,
            1000,
          ),
      };
    }
    if (v.bars.length === 0) return { ok: true, written: 0 };
    return { ok: true, written: this.store.upsert(symbol, timeframe, v.bars).written };
  }
}
