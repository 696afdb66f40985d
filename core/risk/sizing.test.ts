import { describe, expect, it } from "vitest";
import { INSTRUMENTS } from "../instruments/catalog";
import type { InstrumentSpec } from "../instruments/spec";
import { sizePosition } from "./sizing";

const I = INSTRUMENTS as Record<"EURUSD" | "USDCHF" | "BTCUSD" | "SPX500", InstrumentSpec>;

describe("sizePosition: fixed lots", () => {
  it("keeps a whole number of lot steps", () => {
    expect(sizePosition({ mode: "fixed", lots: 0.3 }, I.EURUSD)).toMatchObject({ volume: 0.3, reason: "ok" });
  });
  it("rounds down to the lot step", () => {
    expect(sizePosition({ mode: "fixed", lots: 0.337 }, I.EURUSD)).toMatchObject({
      volume: 0.33,
      reason: "rounded_down",
    });
    expect(sizePosition({ mode: "fixed", lots: 0.19 }, I.SPX500)).toMatchObject({
      volume: 0.1,
      reason: "rounded_down",
    });
  });
  it("clamps to max lot and returns 0 below min lot", () => {
    expect(sizePosition({ mode: "fixed", lots: 250 }, I.EURUSD)).toMatchObject({
      volume: 100,
      reason: "clamped_to_max_lot",
    });
    expect(sizePosition({ mode: "fixed", lots: 0.009 }, I.EURUSD)).toMatchObject({
      volume: 0,
      reason: "below_min_lot",
    });
  });
});

describe("sizePosition: % of balance at risk to the stop", () => {
  it("EURUSD: 1% of 10,000 over 20 pips, commission counted", () => {
    // loss per lot = 0.002 * 100000 = 200 + 2 * 3.50 = 207; 100 / 207 = 0.483 -> 0.48
    const s = sizePosition({ mode: "risk_pct", pct: 1, balance: 10_000, entry: 1.1, sl: 1.098 }, I.EURUSD);
    expect(s).toMatchObject({ volume: 0.48, reason: "rounded_down" });
    expect(s.riskAmount).toBeCloseTo(99.36, 9); // 0.48 * 207
  });
  it("EURUSD without commission: exactly 0.5 lots", () => {
    expect(
      sizePosition(
        { mode: "risk_pct", pct: 1, balance: 10_000, entry: 1.1, sl: 1.098, includeCommission: false },
        I.EURUSD,
      ),
    ).toMatchObject({ volume: 0.5, reason: "ok" });
  });
  it("USDCHF: loss at the stop converted at the stop price", () => {
    // 0.003 * 100000 / 0.897 = 334.448 + 7 = 341.448; 100 / 341.448 = 0.2929 -> 0.29
    expect(sizePosition({ mode: "risk_pct", pct: 1, balance: 10_000, entry: 0.9, sl: 0.897 }, I.USDCHF)).toMatchObject({
      volume: 0.29,
    });
  });
  it("BTCUSD SELL: 2% of 5,000, stop 1,000 above, 5 bp per side", () => {
    // 1000 + 0.0005 * (49000 + 50000) = 1049.5 per BTC; 100 / 1049.5 = 0.09528 -> 0.095
    expect(
      sizePosition({ mode: "risk_pct", pct: 2, balance: 5_000, entry: 49_000, sl: 50_000 }, I.BTCUSD),
    ).toMatchObject({ volume: 0.095 });
  });
  it("SPX500: below min lot gives 0 with the reason", () => {
    // 0.5% of 1000 = 5; 100 points * 1 = 100 per lot -> 0.05 < 0.1
    expect(sizePosition({ mode: "risk_pct", pct: 0.5, balance: 1_000, entry: 4000, sl: 3900 }, I.SPX500)).toMatchObject(
      { volume: 0, reason: "below_min_lot", rawVolume: 0.05 },
    );
  });
  it("clamps a huge risk budget to max lot", () => {
    expect(sizePosition({ mode: "risk_pct", pct: 1, balance: 1e9, entry: 1.1, sl: 1.098 }, I.EURUSD)).toMatchObject({
      volume: 100,
      reason: "clamped_to_max_lot",
    });
  });
  it("rejects nonsense input", () => {
    expect(() => sizePosition({ mode: "risk_pct", pct: 1, balance: 1000, entry: 1.1, sl: 1.1 }, I.EURUSD)).toThrow(
      RangeError,
    );
    expect(() => sizePosition({ mode: "risk_pct", pct: -1, balance: 1000, entry: 1.1, sl: 1.0 }, I.EURUSD)).toThrow();
  });
});
