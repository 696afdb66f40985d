import { describe, expect, it } from "vitest";
import { BarClosedSchema, RatesRequestSchema, RatesResponseSchema } from "./market-data";

const bar = { time: Date.UTC(2024, 0, 2, 12), open: 1.1, high: 1.2, low: 1.0, close: 1.15, volume: 10 };

describe("MT5 market-data frames", () => {
  it("accept well-formed frames", () => {
    expect(
      RatesRequestSchema.parse({ type: "RATES_REQUEST", id: "r1", symbol: "EURUSD", timeframe: "15m", count: 300 })
        .count,
    ).toBe(300);
    expect(
      RatesResponseSchema.safeParse({
        type: "RATES_RESPONSE",
        id: "r1",
        symbol: "EURUSD",
        timeframe: "15m",
        bars: [bar],
      }).success,
    ).toBe(true);
    expect(
      RatesResponseSchema.safeParse({
        type: "RATES_RESPONSE",
        id: "r1",
        symbol: "EURUSD",
        timeframe: "15m",
        error: { code: "unknown_symbol", message: "no EURUSD" },
      }).success,
    ).toBe(true);
    expect(BarClosedSchema.safeParse({ type: "BAR_CLOSED", symbol: "EURUSD", timeframe: "1h", bar }).success).toBe(
      true,
    );
  });

  it("refuse malformed frames", () => {
    const base = { type: "RATES_RESPONSE", id: "r1", symbol: "EURUSD", timeframe: "15m" };
    expect(RatesResponseSchema.safeParse(base).success).toBe(false); // neither bars nor error
    expect(
      RatesResponseSchema.safeParse({ ...base, bars: [], error: { code: "internal", message: "x" } }).success,
    ).toBe(false);
    expect(
      RatesRequestSchema.safeParse({ type: "RATES_REQUEST", id: "r", symbol: "EURUSD", timeframe: "3h", count: 10 })
        .success,
    ).toBe(false);
    expect(
      RatesRequestSchema.safeParse({ type: "RATES_REQUEST", id: "r", symbol: "EUR USD", timeframe: "1h", count: 10 })
        .success,
    ).toBe(false);
    expect(
      RatesRequestSchema.safeParse({ type: "RATES_REQUEST", id: "r", symbol: "EURUSD", timeframe: "1h", count: 0 })
        .success,
    ).toBe(false);
    expect(
      BarClosedSchema.safeParse({ type: "BAR_CLOSED", symbol: "EURUSD", timeframe: "1h", bar: { ...bar, time: 1.5 } })
        .success,
    ).toBe(false);
  });
});
