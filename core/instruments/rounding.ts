import type { InstrumentSpec } from "./spec";

/** Account money is kept in cents; half a cent rounds away from zero. */
export function roundMoney(x: number): number {
  const cents = Math.abs(x) * 100;
  const r = Math.round(cents + 1e-7) / 100;
  return x < 0 && r !== 0 ? -r : r;
}

/** Exact powers of ten (literals: `10 ** k` is not guaranteed exact everywhere). */
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

/**
 * Number(x.toFixed(k)), bit for bit, without building and parsing a string on the common path.
 * toFixed picks the integer n nearest to x * 10^k (ties: away from zero) and the string's value is
 * n / 10^k; Number() rounds that decimal to the nearest double, and so does the IEEE division of
 * the exact integer n by the exact 10^k (k <= 22, n < 2^53). The float product m = x * 10^k is off
 * the exact one by at most half an ulp (<= m * 2^-53), so Math.round(m) is n unless m lies within
 * that error of a half: those rare cases (and huge, tiny-k-irrelevant or non-finite inputs) take
 * the string path. Checked against toFixed on random and adversarial inputs in rounding.test.ts.
 */
export function toFixedNumber(x: number, k: number): number {
  const p = POW10[k];
  const a = Math.abs(x); // +0 for -0, as toFixed ("0")
  if (p === undefined || !(a < 1e15)) return Number(x.toFixed(k));
  const m = a * p;
  if (!(m < 2 ** 50)) return Number(x.toFixed(k));
  const fl = Math.floor(m);
  const r = m - fl; // exact: m < 2^50
  const d = r - 0.5; // exact: r in [0, 1)
  if ((d < 0 ? -d : d) <= m * 1e-15) return Number(x.toFixed(k));
  const q = (d < 0 ? fl : fl + 1) / p;
  // toFixed writes "-" for x < 0, also when n is 0 (Number("-0.00") is -0); never for -0.
  return x < 0 ? -q : q;
}

/** SL/TP levels are rounded to the venue's tick. */
export function roundToTick(price: number, spec: Pick<InstrumentSpec, "tickSize" | "digits">): number {
  return toFixedNumber(Math.round(price / spec.tickSize) * spec.tickSize, spec.digits);
}

/**
 * Fill prices are mid +- half a spread (+- slippage), which can fall on a half point; keeping one
 * extra decimal removes float noise without moving the price.
 */
export function cleanPrice(price: number, spec: Pick<InstrumentSpec, "digits">): number {
  return toFixedNumber(price, spec.digits + 1);
}

function stepDecimals(step: number): number {
  const s = step.toString();
  const i = s.indexOf(".");
  return i < 0 ? 0 : s.length - i - 1;
}

/** Volume rounded DOWN to a whole number of lot steps (the tolerance absorbs 0.3/0.1 = 2.9999...). */
export function floorToLotStep(volume: number, spec: Pick<InstrumentSpec, "lotStep">): number {
  const steps = Math.floor(volume / spec.lotStep + 1e-9);
  return toFixedNumber(steps * spec.lotStep, stepDecimals(spec.lotStep));
}

export function isWholeLotSteps(volume: number, spec: Pick<InstrumentSpec, "lotStep">): boolean {
  const steps = volume / spec.lotStep;
  return Math.abs(steps - Math.round(steps)) < 1e-7;
}
