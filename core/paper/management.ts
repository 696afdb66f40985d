import type { Position } from "./schemas";

export interface StopUpdate {
  /** New SL, or null when only the breakeven flag changes (SL already better than entry + lock). */
  sl: number | null;
  source: "trailing" | "breakeven" | null;
  /** Breakeven fires once; this tells the engine to mark it spent. */
  breakevenDone: boolean;
}

/**
 * Breakeven and trailing for one position, from the most favourable exit-side price reached
 * (the bar's bid high for a BUY, ask low for a SELL). The engine calls this only AFTER the bar's
 * stops were checked, so a level moved here can only act from the next bar on.
 * Both only ever move the SL in the position's favour.
 */
export function manageStops(
  pos: Position,
  favourable: number,
  point: number,
  clean: (p: number) => number,
): StopUpdate | null {
  const dir = pos.side === "BUY" ? 1 : -1;
  const profitPoints = (dir * (favourable - pos.entryPrice)) / point;
  const better = (candidate: number, current: number | null) => current === null || dir * (candidate - current) > 1e-12;
  let sl = pos.sl;
  let source: StopUpdate["source"] = null;
  let breakevenDone = false;

  const be = pos.breakeven;
  if (be && !be.done && profitPoints >= be.triggerPoints - 1e-9) {
    breakevenDone = true;
    const candidate = clean(pos.entryPrice + dir * be.lockPoints * point);
    if (better(candidate, sl)) {
      sl = candidate;
      source = "breakeven";
    }
  }
  const tr = pos.trailing;
  if (tr && (tr.activationPoints === null || profitPoints >= tr.activationPoints - 1e-9)) {
    const candidate = clean(favourable - dir * tr.distancePoints * point);
    if (better(candidate, sl)) {
      sl = candidate;
      source = "trailing";
    }
  }
  if (source === null) return breakevenDone ? { sl: null, source: null, breakevenDone } : null;
  return { sl, source, breakevenDone };
}
