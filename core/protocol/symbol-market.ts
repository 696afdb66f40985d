import { z } from "zod";
import { isDeltaSymbol } from "../instruments/delta-products";
import { TIMEFRAME_MS, TIMEFRAMES, type Timeframe, TimeframeSchema } from "../market/timeframes";
import { DEFAULT_ENSEMBLE } from "./bot-config";

/** Base timeframe of each embedded replay's data (durable-objects/market/replay-data.ts serves them). */
export const REPLAY_BASE_TIMEFRAMES = { USDCHF: "30m", SPX500: "1d" } as const satisfies Record<string, Timeframe>;

/** Ensembles of the shipped models (models/trained) per symbol: the daily model weighs most (weights sum to 1). */
export const SHIPPED_ENSEMBLES = {
  USDCHF: [
    { timeframe: "2h", weight: 0.3 },
    { timeframe: "4h", weight: 0.3 },
    { timeframe: "1d", weight: 0.4 },
  ],
} as const satisfies Record<string, ReadonlyArray<{ timeframe: Timeframe; weight: number }>>;

/**
 * Timeframes with shipped models per symbol (platform/ml/shipped-models.ts holds the files). BTCUSD's
 * 15m member has no honest offline source; a crypto bot trains it on the edge from Delta's history.
 */
export const SHIPPED_TIMEFRAMES: Readonly<Record<string, readonly Timeframe[]>> = {
  USDCHF: SHIPPED_ENSEMBLES.USDCHF.map((m) => m.timeframe),
  BTCUSD: ["1h", "4h"],
};

/**
 * A new bot's ensemble on a symbol without a shipped one. Crypto (Delta, 24/7): the seeds' intraday
 * 15m/1h/4h. Everything an MT5 terminal serves (FX, index CFDs: markets with sessions and weekend
 * gaps): the session-scale layout of the shipped FX models, 2h/4h/1d, whose daily model weighs most.
 */
export const SESSION_MARKET_ENSEMBLE = SHIPPED_ENSEMBLES.USDCHF;

const EnsembleModelSchema = z.object({ timeframe: TimeframeSchema, weight: z.number() });

/** GET /api/v1/market/symbols/{symbol}: what a bot on this symbol can run on (the bot form's choices). */
export const SymbolMarketSchema = z.object({
  symbol: z.string(),
  /** replay: the embedded data serves it (only timeframes made from its base); delta: Delta Exchange's candles; connector: MT5 bars, any timeframe. */
  source: z.enum(["replay", "delta", "connector"]),
  base_timeframe: TimeframeSchema.nullable(),
  timeframes: z.array(TimeframeSchema),
  /** Timeframes with shipped models (install with POST ml/models/{id}/shipped-models); the rest are trained or uploaded. */
  shipped: z.array(TimeframeSchema),
  /** What a new bot on this symbol starts with (and gets when created without an ensemble). */
  default_ensemble: z.array(EnsembleModelSchema),
});
export type SymbolMarket = z.infer<typeof SymbolMarketSchema>;

const isReplay = (s: string): s is keyof typeof REPLAY_BASE_TIMEFRAMES => Object.hasOwn(REPLAY_BASE_TIMEFRAMES, s);
/** Can bars of `tf` be made from `base` bars (a whole multiple)? */
export const madeFrom = (base: Timeframe, tf: Timeframe) =>
  TIMEFRAME_MS[tf] >= TIMEFRAME_MS[base] && TIMEFRAME_MS[tf] % TIMEFRAME_MS[base] === 0;

export function symbolMarket(symbol: string): SymbolMarket {
  const shippedEnsemble: ReadonlyArray<{ timeframe: Timeframe; weight: number }> = Object.hasOwn(
    SHIPPED_ENSEMBLES,
    symbol,
  )
    ? SHIPPED_ENSEMBLES[symbol as keyof typeof SHIPPED_ENSEMBLES]
    : [];
  const shipped = Object.hasOwn(SHIPPED_TIMEFRAMES, symbol) ? [...(SHIPPED_TIMEFRAMES[symbol] ?? [])] : [];
  if (!isReplay(symbol)) {
    const delta = isDeltaSymbol(symbol);
    const fallback = delta ? DEFAULT_ENSEMBLE : SESSION_MARKET_ENSEMBLE;
    return {
      symbol,
      source: delta ? "delta" : "connector",
      base_timeframe: null,
      timeframes: [...TIMEFRAMES],
      shipped,
      default_ensemble: (shippedEnsemble.length ? shippedEnsemble : fallback).map((m) => ({ ...m })),
    };
  }
  const base = REPLAY_BASE_TIMEFRAMES[symbol];
  const timeframes = TIMEFRAMES.filter((tf) => madeFrom(base, tf));
  // Without shipped models: the coarsest timeframe alone (the most history per bar to train on is the base; the coarsest is the calmest to start with).
  const fallback = [{ timeframe: timeframes.at(-1)!, weight: 1 }];
  return {
    symbol,
    source: "replay",
    base_timeframe: base,
    timeframes,
    shipped,
    default_ensemble: (shippedEnsemble.length ? shippedEnsemble : fallback).map((m) => ({ ...m })),
  };
}

/** Why each of `timeframes` can't be served for `symbol` (empty: all can), with its index in the ensemble. */
export function unservableTimeframes(
  symbol: string,
  timeframes: readonly Timeframe[],
): { index: number; timeframe: Timeframe; message: string }[] {
  const m = symbolMarket(symbol);
  return timeframes.flatMap((tf, index) =>
    m.timeframes.includes(tf)
      ? []
      : [
          {
            index,
            timeframe: tf,
            message: `${symbol} replay data is ${m.base_timeframe}; ${tf} cannot be made from it (this symbol serves ${m.timeframes.join(", ")})`,
          },
        ],
  );
}
