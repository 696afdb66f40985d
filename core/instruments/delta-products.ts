import { z } from "zod";
import { type InstrumentSpec, InstrumentSpecSchema } from "./spec";

/**
 * Delta Exchange product (GET /v2/products and /v2/products/{symbol}; Delta's API reference, "Get
 * list of products"). Only the fields the catalog needs; the API sends decimals as strings.
 * e.g. {"id":27,"symbol":"BTCUSD","contract_type":"perpetual_futures","tick_size":"0.5",
 *       "contract_value":"0.001","contract_unit_currency":"BTC","maker_commission_rate":"0.0002",
 *       "taker_commission_rate":"0.0005","state":"live","quoting_asset":{"symbol":"USD"}, ...}
 */
const decimal = z.union([
  z.number().finite().positive(),
  z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .transform(Number),
]);
const rate = z.union([
  z.number().finite().nonnegative(),
  z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .transform(Number),
]);
export const DeltaProductSchema = z
  .object({
    id: z.number().int(),
    symbol: z.string().regex(/^[A-Z0-9_]{2,32}$/),
    contract_type: z.string(),
    tick_size: decimal,
    contract_value: decimal,
    contract_unit_currency: z.string().regex(/^[A-Z]{2,6}$/),
    maker_commission_rate: rate,
    taker_commission_rate: rate,
    state: z.string(),
    quoting_asset: z.object({ symbol: z.string().regex(/^[A-Z]{2,6}$/) }).passthrough(),
  })
  .passthrough();
export type DeltaProduct = z.input<typeof DeltaProductSchema>;
export const DeltaProductsResponseSchema = z.object({ success: z.literal(true), result: z.array(DeltaProductSchema) });

/** The two perpetuals we ship, with the values Delta lists for them (what the local server serves). */
export const DELTA_PRODUCTS: DeltaProduct[] = [
  {
    id: 27,
    symbol: "BTCUSD",
    contract_type: "perpetual_futures",
    tick_size: "0.5",
    contract_value: "0.001",
    contract_unit_currency: "BTC",
    maker_commission_rate: "0.0002",
    taker_commission_rate: "0.0005",
    state: "live",
    quoting_asset: { symbol: "USD" },
  },
  {
    id: 3136,
    symbol: "ETHUSD",
    contract_type: "perpetual_futures",
    tick_size: "0.05",
    contract_value: "0.01",
    contract_unit_currency: "ETH",
    maker_commission_rate: "0.0002",
    taker_commission_rate: "0.0005",
    state: "live",
    quoting_asset: { symbol: "USD" },
  },
];

/**
 * An instrument spec from a Delta product: volume is in the underlying (1.0 lot = 1 BTC), steps of
 * one contract (fractional sizes: 0.001 BTC), taker rate on market fills, maker rate on resting
 * take-profits, 24/7 (crypto has no session close). Leverage is our retail cap, not Delta's maximum.
 */
export function specFromDeltaProduct(
  input: DeltaProduct,
  opts: { leverage?: number; maxLot?: number } = {},
): InstrumentSpec {
  const p = DeltaProductSchema.parse(input);
  const digits = Math.max(0, decimals(p.tick_size));
  return InstrumentSpecSchema.parse({
    symbol: p.symbol,
    kind: "crypto_perp",
    baseCurrency: p.contract_unit_currency,
    quoteCurrency: p.quoting_asset.symbol,
    contractSize: 1,
    digits,
    tickSize: p.tick_size,
    pipSize: 1,
    minLot: p.contract_value,
    lotStep: p.contract_value,
    maxLot: opts.maxLot ?? 50,
    leverage: opts.leverage ?? 10,
    // Paper spread: 20 ticks (10 USD on BTCUSD, 1 USD on ETHUSD), wider than Delta's book on a calm day, on purpose.
    defaultSpreadPoints: Math.round((20 * p.tick_size) / 10 ** -digits),
    commissionPerLotPerSide: 0,
    commissionRatePerSide: p.taker_commission_rate,
    makerCommissionRatePerSide: p.maker_commission_rate,
  });
}

function decimals(x: number): number {
  const s = String(x);
  const i = s.indexOf(".");
  return i < 0 ? 0 : s.length - i - 1;
}

/** Symbols served by Delta Exchange (market objects), not by the replay or a connector. */
export const DELTA_SYMBOLS: readonly string[] = DELTA_PRODUCTS.map((p) => p.symbol);
export function isDeltaSymbol(symbol: string): boolean {
  return DELTA_SYMBOLS.includes(symbol);
}
