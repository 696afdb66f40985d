import type { InstrumentSpec } from "./spec";

/** Account money is kept in cents; half a cent rounds away from zero. */
export function roundMoney(x: number): number {
  const cents = Math.abs(x) * 100;
  const r = Math.round(cents + 1e-7) / 100;
  return x < 0 && r !== 0 ? -r : r;
}

/** SL/TP levels are rounded to the venue's tick. */
export function roundToTick(price: number, spec: Pick<InstrumentSpec, "tickSize" | "digits">): number {
  return Number((Math.round(price / spec.tickSize) * spec.tickSize).toFixed(spec.digits));
}

/**
 * Fill prices are mid +- half a spread (+- slippage), which can fall on a half point; keeping one
 * extra decimal removes float noise without moving the price.
 */
export function cleanPrice(price: number, spec: Pick<InstrumentSpec, "digits">): number {
  return Number(price.toFixed(spec.digits + 1));
}

function stepDecimals(step: number): number {
  const s = step.toString();
  const i = s.indexOf(".");
  return i < 0 ? 0 : s.length - i - 1;
}

/** Volume rounded DOWN to a whole number of lot steps (the tolerance absorbs 0.3/0.1 = 2.9999...). */
export function floorToLotStep(volume: number, spec: Pick<InstrumentSpec, "lotStep">): number {
  const steps = Math.floor(volume / spec.lotStep + 1e-9);
  return Number((steps * spec.lotStep).toFixed(stepDecimals(spec.lotStep)));
}

export function isWholeLotSteps(volume: number, spec: Pick<InstrumentSpec, "lotStep">): boolean {
  const steps = volume / spec.lotStep;
  return Math.abs(steps - Math.round(steps)) < 1e-7;
}
