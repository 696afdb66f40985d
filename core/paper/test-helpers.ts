import type { Bar } from "./schemas";

/** Test bars: minute `m` after a fixed UTC origin, mid prices. */
export const T0 = Date.UTC(2024, 2, 1, 12, 0, 0);
export const at = (m: number) => T0 + m * 60_000;
export function bar(symbol: string, m: number, open: number, high: number, low: number, close: number): Bar {
  return { symbol, time: at(m), open, high, low, close };
}
