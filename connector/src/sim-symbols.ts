import type { EaSymbolInfo } from "./brokers/ea-protocol";

/**
 * The simulated terminal's symbols, each with the properties a real broker sets per symbol
 * (SymbolInfoInteger/SymbolInfoDouble: https://www.mql5.com/en/docs/constants/environment_state/marketinfoconstants):
 * digits, point, tick size (an index moves in 0.5 or 1.0 steps, not in points), volume min/step
 * (0.01, 0.001 or whole contracts), filling flags and execution mode, stops and freeze levels in
 * points; and names with broker suffixes (EURUSD+, GER40!).
 */
export interface SimSymbol extends Omit<EaSymbolInfo, "name"> {
  price: number;
  spread: number;
  /** Profit per 1.0 price move per lot. */
  contract: number;
}

const fx = (price: number): SimSymbol => ({
  price,
  spread: 0.0002,
  contract: 100_000,
  digits: 5,
  point: 0.00001,
  tick_size: 0.00001,
  volume_min: 0.01,
  volume_max: 100,
  volume_step: 0.01,
  filling_mode: 3,
  execution: "market",
  stops_level: 0,
  freeze_level: 0,
});

export const SIM_SYMBOLS: Readonly<Record<string, SimSymbol>> = {
  EURUSD: fx(1.085),
  GBPUSD: fx(1.27),
  USDCHF: fx(0.885),
  // A suffixed FX symbol with a 0.001 volume step, IOC filling only (FOK answers 10030).
  "EURUSD+": { ...fx(1.085), volume_min: 0.001, volume_step: 0.001, filling_mode: 2 },
  // An index CFD: 1-lot steps, tick size 0.5 (prices between ticks are refused), RETURN filling only,
  // stops at least 100 points (10.0) from the price, frozen within 50 points (5.0).
  "GER40!": {
    price: 18_000,
    spread: 1,
    contract: 1,
    digits: 1,
    point: 0.1,
    tick_size: 0.5,
    volume_min: 1,
    volume_max: 50,
    volume_step: 1,
    filling_mode: 0,
    execution: "market",
    stops_level: 100,
    freeze_level: 50,
  },
  US30: {
    price: 39_000,
    spread: 2,
    contract: 1,
    digits: 1,
    point: 0.1,
    tick_size: 1,
    volume_min: 0.1,
    volume_max: 50,
    volume_step: 0.1,
    filling_mode: 2,
    execution: "market",
    stops_level: 0,
    freeze_level: 0,
  },
  // Instant execution: FOK only.
  XAUUSD: {
    price: 2400,
    spread: 0.2,
    contract: 100,
    digits: 2,
    point: 0.01,
    tick_size: 0.01,
    volume_min: 0.01,
    volume_max: 50,
    volume_step: 0.01,
    filling_mode: 1,
    execution: "instant",
    stops_level: 0,
    freeze_level: 0,
  },
};
