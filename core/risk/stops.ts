import { z } from "zod";
import { roundToTick } from "../instruments/rounding";
import type { InstrumentSpec } from "../instruments/spec";

const positive = z.number().finite().positive();
const side = z.enum(["BUY", "SELL"]);

/**
 * SL from a multiple of ATR (or a fixed number of pips); TP either from its own multiple/pips or,
 * when that is absent, from the SL distance times riskReward.
 */
export const StopsRequestSchema = z
  .discriminatedUnion("mode", [
    z.object({
      mode: z.literal("atr"),
      side,
      entry: positive,
      atr: positive,
      slAtrMult: positive,
      tpAtrMult: positive.optional(),
      riskReward: positive.optional(),
    }),
    z.object({
      mode: z.literal("pips"),
      side,
      entry: positive,
      slPips: positive,
      tpPips: positive.optional(),
      riskReward: positive.optional(),
    }),
  ])
  .refine((r) => (r.mode === "atr" ? r.tpAtrMult : r.tpPips) !== undefined || r.riskReward !== undefined, {
    message: "give a TP distance or a riskReward",
  });
export type StopsRequest = z.infer<typeof StopsRequestSchema>;

const pos = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v) && v > 0;
const posOpt = (v: unknown): boolean => v === undefined || pos(v);

/**
 * True when StopsRequestSchema surely accepts `r` unchanged (the hot path of backtests: thousands
 * of plans per run). Anything else goes through the schema, so refusals keep zod's errors.
 */
export function isPlainStopsRequest(r: StopsRequest): boolean {
  if ((r.side !== "BUY" && r.side !== "SELL") || !pos(r.entry) || !posOpt(r.riskReward)) return false;
  if (r.mode === "atr")
    return (
      pos(r.atr) && pos(r.slAtrMult) && posOpt(r.tpAtrMult) && (r.tpAtrMult !== undefined || r.riskReward !== undefined)
    );
  if (r.mode === "pips")
    return pos(r.slPips) && posOpt(r.tpPips) && (r.tpPips !== undefined || r.riskReward !== undefined);
  return false;
}

export interface Stops {
  sl: number;
  tp: number;
  /** Reward over risk measured on the rounded levels. */
  rr: number;
}

/** Levels are rounded to the instrument's tick; throws on a request that puts a level at or below 0. */
export function computeStops(
  request: StopsRequest,
  spec: Pick<InstrumentSpec, "tickSize" | "digits" | "pipSize">,
): Stops {
  const r = isPlainStopsRequest(request) ? request : StopsRequestSchema.parse(request);
  const slDist = r.mode === "atr" ? r.atr * r.slAtrMult : r.slPips * spec.pipSize;
  const ownTp =
    r.mode === "atr"
      ? r.tpAtrMult !== undefined
        ? r.atr * r.tpAtrMult
        : undefined
      : r.tpPips !== undefined
        ? r.tpPips * spec.pipSize
        : undefined;
  const tpDist = ownTp ?? slDist * (r.riskReward as number);
  const dir = r.side === "BUY" ? 1 : -1;
  const sl = roundToTick(r.entry - dir * slDist, spec);
  const tp = roundToTick(r.entry + dir * tpDist, spec);
  if (sl <= 0 || tp <= 0) throw new RangeError("stop distance puts a level at or below zero");
  const risk = Math.abs(r.entry - sl);
  if (risk === 0) throw new RangeError("stop distance rounds to zero ticks");
  const rr = Number((Math.abs(tp - r.entry) / risk).toFixed(4));
  return { sl, tp, rr };
}
