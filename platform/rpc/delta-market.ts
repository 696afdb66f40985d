// A Delta market object (durable-objects/delta-market) as user objects see it: typed RPC, so they
// never import the class. One object per market, named by deltaMarketName(symbol, timeframe).
import type { Bar } from "../../core/market/bar";
import type { Timeframe } from "../../core/market/timeframes";
import type { MarketFeedStatus } from "../../core/protocol/market-push";

export type MarketSubscribeResult =
  | { ok: true; bars: Bar[]; asOf: number }
  | { ok: false; reason: "unknown_symbol" | "upstream_error" | "rate_limited" | "no_data"; message: string };

export interface DeltaMarketRpc extends Rpc.DurableObjectBranded {
  /** Remembers the subscriber (a user object's id string) for the fan-out; returns the newest `limit` closed bars. */
  subscribe(objectId: string, symbol: string, timeframe: Timeframe, limit: number): Promise<MarketSubscribeResult>;
  unsubscribe(objectId: string): Promise<void>;
  status(): MarketFeedStatus | null;
  bars(limit: number): Bar[];
  settled(): Promise<void>;
}

export function deltaMarketName(symbol: string, timeframe: Timeframe): string {
  return `${symbol}:${timeframe}`;
}
