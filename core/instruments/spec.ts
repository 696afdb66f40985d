import { z } from "zod";

const positive = z.number().finite().positive();
const nonNegative = z.number().finite().nonnegative();
export const CurrencySchema = z.string().regex(/^[A-Z]{3,5}$/, "currency code like USD");

/**
 * What the engine needs to know about one tradable symbol.
 * Distances (spread, slippage, trailing) are in points; a point is 10^-digits (MT5's meaning).
 * tickSize is the smallest price step the venue quotes (SL/TP are rounded to it); pipSize is the
 * human unit for "fixed pips" stops (0.0001 on 5-digit FX, 1.0 on indices and BTC).
 */
export const InstrumentSpecFields = z.object({
  symbol: z.string().regex(/^[A-Za-z0-9._#-]{2,32}$/),
  kind: z.enum(["fx", "crypto_perp", "index_cfd"]),
  /** Null for instruments with no base currency (index CFDs). */
  baseCurrency: CurrencySchema.nullable(),
  /** Currency in which price differences are denominated; P&L is converted from it. */
  quoteCurrency: CurrencySchema,
  /** Units of the underlying in 1.0 lot (100,000 for FX, 1 BTC, 1 x index). */
  contractSize: positive,
  digits: z.number().int().min(0).max(10),
  tickSize: positive,
  pipSize: positive,
  minLot: positive,
  lotStep: positive,
  maxLot: positive,
  /** Margin = notional / leverage (ESMA-style retail leverage by default). */
  leverage: positive,
  defaultSpreadPoints: nonNegative,
  /** Fixed commission in account currency per 1.0 lot, charged on open and again on close. */
  commissionPerLotPerSide: nonNegative,
  /** Commission as a fraction of notional (account currency) per side, exchange style (0.0005 = 5 bp). */
  commissionRatePerSide: nonNegative,
  /** Maker rate (a resting order's fill: the paper engine's take-profit); commissionRatePerSide (taker) when absent. */
  makerCommissionRatePerSide: nonNegative.optional(),
});
/** The spec with its cross-field checks (InstrumentSpecFields, without them, is what an override builds on: .partial()). */
export const InstrumentSpecSchema = InstrumentSpecFields.superRefine((s, ctx) => {
  if (s.minLot > s.maxLot) ctx.addIssue({ code: "custom", message: "minLot exceeds maxLot", path: ["minLot"] });
  if (s.tickSize < 10 ** -s.digits - 1e-15)
    ctx.addIssue({ code: "custom", message: "tickSize is finer than one point", path: ["tickSize"] });
});
export type InstrumentSpec = z.infer<typeof InstrumentSpecSchema>;

/** 10 ** -d for the digits a spec may have (and one more), by the same operation, computed once. */
const POINTS: readonly number[] = Array.from({ length: 12 }, (_, d) => 10 ** -d);

/** One point: the unit of spreads, slippage and trailing distances. */
export function pointOf(spec: Pick<InstrumentSpec, "digits">): number {
  return POINTS[spec.digits] ?? 10 ** -spec.digits;
}
