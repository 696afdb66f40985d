import { describe, expect, it } from "vitest";
import { INSTRUMENTS } from "./catalog";
import { marginInAccount, pnlInAccount, quoteToAccountRate } from "./pnl";
import { floorToLotStep, roundMoney } from "./rounding";
import { InstrumentSpecSchema } from "./spec";

const EURUSD = INSTRUMENTS.EURUSD!;
const USDCHF = INSTRUMENTS.USDCHF!;

describe("P&L in account currency", () => {
  it("quote currency = account currency: no conversion", () => {
    expect(pnlInAccount(EURUSD, "BUY", 1, 1.1, 1.101, "USD")).toBeCloseTo(100, 9);
    expect(pnlInAccount(EURUSD, "SELL", 0.5, 1.1, 1.101, "USD")).toBeCloseTo(-50, 9);
  });
  it("USDCHF in a USD account: (exit - entry) * volume * contractSize / exit", () => {
    expect(pnlInAccount(USDCHF, "BUY", 1, 0.9, 0.91, "USD")).toBeCloseTo(1098.9011, 4); // 1000 CHF / 0.91
    expect(pnlInAccount(USDCHF, "SELL", 1, 0.91, 0.9, "USD")).toBeCloseTo(1111.1111, 4); // 1000 CHF / 0.90
  });
  it("margin of USDCHF in USD is volume * contractSize / leverage whatever the price", () => {
    expect(marginInAccount(USDCHF, 1, 0.95, quoteToAccountRate(USDCHF, "USD", 0.95)!)).toBeCloseTo(3333.3333, 4);
  });
  it("a pair sharing no currency with the account needs a cross rate", () => {
    expect(quoteToAccountRate(USDCHF, "EUR", 0.9)).toBeUndefined();
    expect(quoteToAccountRate(USDCHF, "EUR", 0.9, { CHFEUR: 1.05 })).toBe(1.05);
    expect(quoteToAccountRate(USDCHF, "EUR", 0.9, { EURCHF: 0.95 })).toBeCloseTo(1 / 0.95, 12);
    expect(() => pnlInAccount(USDCHF, "BUY", 1, 0.9, 0.91, "EUR")).toThrow();
  });
});

describe("rounding", () => {
  it("money to cents, half away from zero", () => {
    expect(roundMoney(1.005)).toBe(1.01);
    expect(roundMoney(-1.005)).toBe(-1.01);
    expect(roundMoney(-0.001)).toBe(0);
    expect(Object.is(roundMoney(-0.001), -0)).toBe(false);
  });
  it("lots down to the step without float drift", () => {
    expect(floorToLotStep(0.3, { lotStep: 0.1 })).toBe(0.3);
    expect(floorToLotStep(0.29999, { lotStep: 0.01 })).toBe(0.29);
    expect(floorToLotStep(0.0959, { lotStep: 0.001 })).toBe(0.095);
  });
});

describe("catalog", () => {
  it("every shipped spec passes its schema and a broken one does not", () => {
    for (const s of Object.values(INSTRUMENTS)) expect(InstrumentSpecSchema.safeParse(s).success).toBe(true);
    expect(InstrumentSpecSchema.safeParse({ ...EURUSD, minLot: 200 }).success).toBe(false);
    expect(InstrumentSpecSchema.safeParse({ ...EURUSD, tickSize: 0.000001 }).success).toBe(false);
  });
});
