import type { InstrumentSpec } from "./spec";

export type TradeSide = "BUY" | "SELL";

/** Cross rates the caller knows, keyed "FROMTO" (e.g. "CHFUSD": 1 CHF in USD). */
export type CrossRates = Readonly<Record<string, number>>;

/**
 * How many account-currency units one quote-currency unit is worth at `price` (this instrument's
 * own price). Simplification: for a pair whose BASE is the account currency (USDCHF in a USD
 * account) the conversion uses the same instrument's price at that moment, so P&L at exit is
 * (exit - entry) * volume * contractSize / exit. A pair that shares no currency with the account
 * needs a cross rate; without one this returns undefined and the caller must refuse to trade.
 */
export function quoteToAccountRate(
  spec: Pick<InstrumentSpec, "baseCurrency" | "quoteCurrency">,
  accountCurrency: string,
  price: number,
  crossRates?: CrossRates,
): number | undefined {
  if (spec.quoteCurrency === accountCurrency) return 1;
  if (spec.baseCurrency === accountCurrency) return 1 / price;
  const direct = crossRates?.[`${spec.quoteCurrency}${accountCurrency}`];
  if (direct !== undefined && direct > 0) return direct;
  const inverse = crossRates?.[`${accountCurrency}${spec.quoteCurrency}`];
  if (inverse !== undefined && inverse > 0) return 1 / inverse;
  return undefined;
}

export function sideSign(side: TradeSide): 1 | -1 {
  return side === "BUY" ? 1 : -1;
}

/** Unrounded P&L in account currency of `volume` lots from entry to exit, converted at the exit price. */
export function pnlInAccount(
  spec: InstrumentSpec,
  side: TradeSide,
  volume: number,
  entry: number,
  exit: number,
  accountCurrency: string,
  crossRates?: CrossRates,
): number {
  const rate = quoteToAccountRate(spec, accountCurrency, exit, crossRates);
  if (rate === undefined) throw new Error(`no ${spec.quoteCurrency}->${accountCurrency} conversion for ${spec.symbol}`);
  return sideSign(side) * (exit - entry) * volume * spec.contractSize * rate;
}

/** Notional value in account currency (volume * contractSize * price, converted). */
export function notionalInAccount(spec: InstrumentSpec, volume: number, price: number, rate: number): number {
  return volume * spec.contractSize * price * rate;
}

/** Margin to hold a position: notional / leverage (fixed at open in the paper engine). */
export function marginInAccount(spec: InstrumentSpec, volume: number, price: number, rate: number): number {
  return notionalInAccount(spec, volume, price, rate) / spec.leverage;
}

/** One side's commission: fixed per lot plus a fraction of notional (maker rate for a resting order's fill, else taker). */
export function commissionPerSide(
  spec: InstrumentSpec,
  volume: number,
  price: number,
  rate: number,
  liquidity: "taker" | "maker" = "taker",
): number {
  const pct =
    liquidity === "maker"
      ? (spec.makerCommissionRatePerSide ?? spec.commissionRatePerSide)
      : spec.commissionRatePerSide;
  return spec.commissionPerLotPerSide * volume + pct * notionalInAccount(spec, volume, price, rate);
}
