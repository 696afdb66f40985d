import { describe, expect, it } from "vitest";
import { INSTRUMENTS } from "../instruments/catalog";
import { computeStops } from "./stops";

const EURUSD = INSTRUMENTS.EURUSD!;
const BTCUSD = INSTRUMENTS.BTCUSD!;

describe("computeStops", () => {
  it("ATR multiples for SL and TP on a BUY", () => {
    // 1.10000 -/+ 0.0015 * 1.5 / * 3
    expect(
      computeStops({ mode: "atr", side: "BUY", entry: 1.1, atr: 0.0015, slAtrMult: 1.5, tpAtrMult: 3 }, EURUSD),
    ).toEqual({ sl: 1.09775, tp: 1.1045, rr: 2 });
  });
  it("ATR SL with TP from risk:reward on a SELL", () => {
    // SL 1.1 + 0.004 = 1.104; TP 1.1 - 0.004 * 1.5 = 1.094
    expect(
      computeStops({ mode: "atr", side: "SELL", entry: 1.1, atr: 0.002, slAtrMult: 2, riskReward: 1.5 }, EURUSD),
    ).toEqual({ sl: 1.104, tp: 1.094, rr: 1.5 });
  });
  it("fixed pips", () => {
    expect(computeStops({ mode: "pips", side: "BUY", entry: 1.1, slPips: 20, tpPips: 50 }, EURUSD)).toEqual({
      sl: 1.098,
      tp: 1.105,
      rr: 2.5,
    });
    expect(computeStops({ mode: "pips", side: "SELL", entry: 1.1, slPips: 25, riskReward: 2 }, EURUSD)).toEqual({
      sl: 1.1025,
      tp: 1.095,
      rr: 2,
    });
  });
  it("rounds levels to the tick and reports the rr of the rounded levels", () => {
    // BTC tick 0.5: SL 49666.7 -> 49666.5; TP 50000 + 333.3 * 1.5 = 50499.95 -> 50500; rr = 500 / 333.5
    expect(
      computeStops({ mode: "atr", side: "BUY", entry: 50_000, atr: 333.3, slAtrMult: 1, riskReward: 1.5 }, BTCUSD),
    ).toEqual({ sl: 49_666.5, tp: 50_500, rr: 1.4993 });
  });
  it("refuses a request with neither TP distance nor risk:reward, and a level below zero", () => {
    expect(() => computeStops({ mode: "pips", side: "BUY", entry: 1.1, slPips: 20 }, EURUSD)).toThrow();
    expect(() =>
      computeStops({ mode: "atr", side: "BUY", entry: 1.1, atr: 1, slAtrMult: 2, riskReward: 1 }, EURUSD),
    ).toThrow(RangeError);
  });
});
