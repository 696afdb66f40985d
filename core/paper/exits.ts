import type { TradeSide } from "../instruments/pnl";

/** A bar on the side a position exits at: bid prices for a BUY, ask prices for a SELL. */
export interface SideBar {
  open: number;
  high: number;
  low: number;
  close: number;
}

export interface ExitHit {
  kind: "sl" | "tp";
  /** Price before slippage. */
  price: number;
  /** True when the bar opened beyond the level, so the fill is at the open. */
  gap: boolean;
}

/**
 * Which protective level a bar takes out, and at what price. Order of checks:
 *  1. the open already beyond SL: SL at the open (worse than SL; a gap);
 *  2. the open already beyond TP: TP at the open (the first traded price is past it);
 *  3. the range touches SL (also when it touches TP as well: adverse first, we cannot know the path);
 *  4. the range touches TP.
 */
export function resolveExit(side: TradeSide, sl: number | null, tp: number | null, bar: SideBar): ExitHit | null {
  if (side === "BUY") {
    if (sl !== null && bar.open <= sl) return { kind: "sl", price: bar.open, gap: true };
    if (tp !== null && bar.open >= tp) return { kind: "tp", price: bar.open, gap: true };
    if (sl !== null && bar.low <= sl) return { kind: "sl", price: sl, gap: false };
    if (tp !== null && bar.high >= tp) return { kind: "tp", price: tp, gap: false };
    return null;
  }
  if (sl !== null && bar.open >= sl) return { kind: "sl", price: bar.open, gap: true };
  if (tp !== null && bar.open <= tp) return { kind: "tp", price: bar.open, gap: true };
  if (sl !== null && bar.high >= sl) return { kind: "sl", price: sl, gap: false };
  if (tp !== null && bar.low <= tp) return { kind: "tp", price: tp, gap: false };
  return null;
}

/**
 * A stop becomes a market order, so it slips against us; but it cannot fill at a price the bar
 * never traded, so the slipped price is clamped to the bar's extreme on that side.
 */
export function slipStopFill(side: TradeSide, price: number, slippage: number, bar: SideBar): number {
  return side === "BUY" ? Math.max(price - slippage, bar.low) : Math.min(price + slippage, bar.high);
}
