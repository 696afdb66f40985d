import { z } from "zod";
import { type CrossRates, commissionPerSide, pnlInAccount, quoteToAccountRate } from "../instruments/pnl";
import { floorToLotStep } from "../instruments/rounding";
import type { InstrumentSpec } from "../instruments/spec";

const positive = z.number().finite().positive();

export const SizingRequestSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("fixed"), lots: positive }),
  z.object({
    mode: z.literal("risk_pct"),
    /** Percent of balance lost if the stop is hit, e.g. 1 for 1 %. */
    pct: positive.max(100),
    balance: positive,
    entry: positive,
    sl: positive,
    /** Count both sides' commission as part of the loss at the stop (default true). */
    includeCommission: z.boolean().optional(),
  }),
]);
export type SizingRequest = z.infer<typeof SizingRequestSchema>;

const pos = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v) && v > 0;

/**
 * True when SizingRequestSchema surely accepts `r` unchanged (the backtest's hot path); anything
 * else goes through the schema, so refusals keep zod's errors.
 */
export function isPlainSizingRequest(r: SizingRequest): boolean {
  if (r.mode === "fixed") return pos(r.lots);
  if (r.mode === "risk_pct") {
    return (
      pos(r.pct) &&
      r.pct <= 100 &&
      pos(r.balance) &&
      pos(r.entry) &&
      pos(r.sl) &&
      (r.includeCommission === undefined || typeof r.includeCommission === "boolean")
    );
  }
  return false;
}

export type SizingReason = "ok" | "rounded_down" | "clamped_to_max_lot" | "below_min_lot" | "no_conversion_rate";

export interface Sizing {
  volume: number;
  reason: SizingReason;
  /** Volume before rounding and clamping (what the risk budget alone allows). */
  rawVolume: number;
  /** Account-currency loss at the stop for the returned volume (risk_pct only; commission included if asked). */
  riskAmount?: number;
}

/**
 * Fixed lots or % of balance at risk to the stop. Always rounds DOWN to the lot step (never risk
 * more than asked), clamps to maxLot, and returns 0 with a reason when below minLot.
 */
export function sizePosition(
  request: SizingRequest,
  spec: InstrumentSpec,
  accountCurrency = "USD",
  crossRates?: CrossRates,
): Sizing {
  const r = isPlainSizingRequest(request) ? request : SizingRequestSchema.parse(request);
  let raw: number;
  let perLotLoss = 0;
  if (r.mode === "fixed") {
    raw = r.lots;
  } else {
    if (r.entry === r.sl) throw new RangeError("entry equals sl: risk per lot is zero");
    if (quoteToAccountRate(spec, accountCurrency, r.sl, crossRates) === undefined) {
      return { volume: 0, reason: "no_conversion_rate", rawVolume: 0 };
    }
    const side = r.sl < r.entry ? "BUY" : "SELL";
    // Loss of 1.0 lot if the stop fills exactly at sl, converted at the sl price (as the engine does).
    perLotLoss = -pnlInAccount(spec, side, 1, r.entry, r.sl, accountCurrency, crossRates);
    if (r.includeCommission ?? true) {
      const rateIn = quoteToAccountRate(spec, accountCurrency, r.entry, crossRates) as number;
      const rateOut = quoteToAccountRate(spec, accountCurrency, r.sl, crossRates) as number;
      perLotLoss += commissionPerSide(spec, 1, r.entry, rateIn) + commissionPerSide(spec, 1, r.sl, rateOut);
    }
    raw = (r.balance * r.pct) / 100 / perLotLoss;
  }
  let volume = floorToLotStep(raw, spec);
  let reason: SizingReason = Math.abs(volume - raw) < 1e-12 ? "ok" : "rounded_down";
  if (volume > spec.maxLot) {
    volume = spec.maxLot;
    reason = "clamped_to_max_lot";
  }
  if (volume < spec.minLot - 1e-12) {
    return { volume: 0, reason: "below_min_lot", rawVolume: raw, ...(r.mode === "risk_pct" ? { riskAmount: 0 } : {}) };
  }
  return { volume, reason, rawVolume: raw, ...(r.mode === "risk_pct" ? { riskAmount: volume * perLotLoss } : {}) };
}
