import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseBarsCsv } from "../../core/market/csv";
import type { SimMarket } from "./server";

/** The real crypto candles the local server replays (../shared/data, see its README; copies in models/data). */
export const CRYPTO_FILES = {
  BTCUSD: fileURLToPath(new URL("../../models/data/btcusdt_1h.csv", import.meta.url)),
  ETHUSD: fileURLToPath(new URL("../../models/data/ethusdt_1h.csv", import.meta.url)),
} as const;

/** The first day of each file is skipped: BTC's first candle is a known bad print (models/data/SOURCE.md). */
export const CRYPTO_SKIP_FIRST = 24;

/** One market from a candle file; the exchange outages (16 missing hours) stay missing. */
export function loadMarket(symbol: keyof typeof CRYPTO_FILES): SimMarket {
  const { bars } = parseBarsCsv(readFileSync(CRYPTO_FILES[symbol], "utf8"));
  return { symbol, bars: bars.slice(CRYPTO_SKIP_FIRST), fileTimeframe: "1h" };
}
