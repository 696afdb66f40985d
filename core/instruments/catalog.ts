import { DELTA_PRODUCTS, specFromDeltaProduct } from "./delta-products";
import { type InstrumentSpec, InstrumentSpecSchema } from "./spec";

/**
 * Shipped specs. Values are typical retail-broker/exchange numbers, not any one venue's contract:
 * FX at 1:30, index CFDs at 1:20 (ESMA retail). BTCUSD and ETHUSD are Delta Exchange's perpetuals
 * (core/instruments/delta-products.ts: tick size, contract value as the lot step, maker/taker fees) at 1:10.
 */
const specs: InstrumentSpec[] = [
  {
    symbol: "EURUSD",
    kind: "fx",
    baseCurrency: "EUR",
    quoteCurrency: "USD",
    contractSize: 100_000,
    digits: 5,
    tickSize: 0.00001,
    pipSize: 0.0001,
    minLot: 0.01,
    lotStep: 0.01,
    maxLot: 100,
    leverage: 30,
    defaultSpreadPoints: 10,
    commissionPerLotPerSide: 3.5,
    commissionRatePerSide: 0,
  },
  {
    symbol: "USDCHF",
    kind: "fx",
    baseCurrency: "USD",
    quoteCurrency: "CHF",
    contractSize: 100_000,
    digits: 5,
    tickSize: 0.00001,
    pipSize: 0.0001,
    minLot: 0.01,
    lotStep: 0.01,
    maxLot: 100,
    leverage: 30,
    defaultSpreadPoints: 14,
    commissionPerLotPerSide: 3.5,
    commissionRatePerSide: 0,
  },
  {
    symbol: "SPX500",
    kind: "index_cfd",
    baseCurrency: null,
    quoteCurrency: "USD",
    contractSize: 1,
    digits: 1,
    tickSize: 0.1,
    pipSize: 1,
    minLot: 0.1,
    lotStep: 0.1,
    maxLot: 500,
    leverage: 20,
    defaultSpreadPoints: 6,
    commissionPerLotPerSide: 0,
    commissionRatePerSide: 0,
  },
  ...DELTA_PRODUCTS.map((p) => specFromDeltaProduct(p)),
];

export const INSTRUMENTS: Readonly<Record<string, InstrumentSpec>> = Object.freeze(
  Object.fromEntries(specs.map((s) => [s.symbol, Object.freeze(InstrumentSpecSchema.parse(s))])),
);

export function getInstrument(symbol: string): InstrumentSpec | undefined {
  return INSTRUMENTS[symbol];
}
