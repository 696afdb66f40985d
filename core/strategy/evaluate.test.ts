import { describe, expect, it } from "vitest";
import { FEATURE_SCHEMA } from "../features/schema";
import { evaluate } from "./evaluate";
import { strategyPreset } from "./presets";
import { type Strategy, StrategySchema } from "./schema";
import { snapshotOf } from "./snapshot";
import { StrategyVerdictSchema } from "./verdict";

const seeds = strategyPreset("rsi_macd_reversal")!.strategy;

describe("strategy evaluate", () => {
  it("blocks a BUY it disagrees with and says which rule failed with the value", () => {
    const v = evaluate(seeds, "BUY", {
      current: { rsi_14: 45.2, macd: 0.002, macd_signal: 0.001 },
      previous: { rsi_14: 44, macd: 0.0005, macd_signal: 0.001 },
    });
    expect(v.agreed).toBe(false);
    expect(v.reason).toBe("blocked by strategy: rsi_14 (45.2) < 30 failed");
    expect(v.checks).toEqual([
      { rule: "rsi_14 < 30", current: { rsi_14: 45.2 }, passed: false },
      {
        rule: "macd crosses_above macd_signal",
        current: { macd: 0.002, macd_signal: 0.001 },
        previous: { macd: 0.0005, macd_signal: 0.001 },
        passed: true,
      },
    ]);
    expect(StrategyVerdictSchema.parse(v)).toEqual(v);
  });

  it("passes a BUY it agrees with", () => {
    const v = evaluate(seeds, "BUY", {
      current: { rsi_14: 25, macd: 0.002, macd_signal: 0.001 },
      previous: { rsi_14: 27, macd: 0.0005, macd_signal: 0.001 },
    });
    expect(v).toMatchObject({
      agreed: true,
      reason: "strategy agrees: (rsi_14 < 30 and macd crosses_above macd_signal)",
    });
    expect(v.checks.every((c) => c.passed)).toBe(true);
  });

  it("computes crosses from previous -> current, not from the current side alone", () => {
    const rule: Strategy = StrategySchema.parse({
      buy: { all: [{ indicator: "macd", op: "crosses_above", value: { indicator: "macd_signal" } }] },
      sell: { all: [{ indicator: "macd_hist", op: "crosses_below", value: 0 }] },
    });
    const above = { macd: 2, macd_signal: 1 };
    // Already above on the previous bar: no cross.
    expect(evaluate(rule, "BUY", { current: above, previous: { macd: 1.5, macd_signal: 1 } }).agreed).toBe(false);
    // Below before, above now: cross.
    expect(evaluate(rule, "BUY", { current: above, previous: { macd: 0.5, macd_signal: 1 } }).agreed).toBe(true);
    // Touching before counts as "not above".
    expect(evaluate(rule, "BUY", { current: above, previous: { macd: 1, macd_signal: 1 } }).agreed).toBe(true);
    // Below now: no cross above whatever came before.
    expect(
      evaluate(rule, "BUY", { current: { macd: 0.9, macd_signal: 1 }, previous: { macd: 0.5, macd_signal: 1 } }).agreed,
    ).toBe(false);
    const sell = evaluate(rule, "SELL", { current: { macd_hist: 0.1 }, previous: { macd_hist: 0.3 } });
    expect(sell.agreed).toBe(false);
    expect(sell.reason).toBe("blocked by strategy: macd_hist (0.3 -> 0.1) crosses_below 0 failed");
    expect(evaluate(rule, "SELL", { current: { macd_hist: -0.1 }, previous: { macd_hist: 0.3 } }).agreed).toBe(true);
  });

  it("nests AND/OR groups", () => {
    const s = StrategySchema.parse({
      buy: {
        all: [
          { indicator: "adx_14", op: ">", value: 20 },
          {
            any: [
              { indicator: "rsi_14", op: "<", value: 30 },
              {
                all: [
                  { indicator: "stoch_k_14", op: "<=", value: 20 },
                  { indicator: "close", op: ">=", value: { indicator: "open" } },
                ],
              },
            ],
          },
        ],
      },
    });
    const base = { adx_14: 25, rsi_14: 40, stoch_k_14: 15, close: 1.1, open: 1.0 };
    expect(evaluate(s, "BUY", { current: base, previous: base }).agreed).toBe(true); // via the inner all
    expect(evaluate(s, "BUY", { current: { ...base, rsi_14: 20, stoch_k_14: 50 }, previous: base }).agreed).toBe(true); // via rsi
    const noneOf = evaluate(s, "BUY", { current: { ...base, stoch_k_14: 50 }, previous: base });
    expect(noneOf.agreed).toBe(false);
    expect(noneOf.reason).toBe("blocked by strategy: none of [rsi_14 (40) < 30 failed | stoch_k_14 (50) <= 20 failed]");
    const weakTrend = evaluate(s, "BUY", { current: { ...base, adx_14: 12 }, previous: base });
    expect(weakTrend.agreed).toBe(false);
    expect(weakTrend.reason).toBe("blocked by strategy: adx_14 (12) > 20 failed");
    expect(weakTrend.checks).toHaveLength(4); // every rule is checked, no short-circuit
  });

  it("HOLD always agrees and a direction without rules is the model's call", () => {
    expect(evaluate(seeds, "HOLD", { current: {}, previous: {} })).toEqual({
      agreed: true,
      reason: "HOLD needs no confirmation",
      checks: [],
    });
    const buyOnly = StrategySchema.parse({ buy: seeds.buy });
    expect(evaluate(buyOnly, "SELL", { current: {}, previous: {} }).agreed).toBe(true);
  });

  it("fails a rule whose value is missing or not finite rather than guessing", () => {
    const v = evaluate(seeds, "BUY", {
      current: { rsi_14: Number.NaN, macd: 1, macd_signal: 0 },
      previous: { macd: -1 },
    });
    expect(v.agreed).toBe(false);
    expect(v.reason).toBe(
      "blocked by strategy: rsi_14 (missing) < 30 failed; macd (-1 -> 1) crosses_above macd_signal (missing -> 0) failed",
    );
  });

  it("reads a snapshot from feature rows and bar prices", () => {
    const row = (rsi: number, macd: number, sig: number) =>
      FEATURE_SCHEMA.names.map((n) => (n === "rsi_14" ? rsi : n === "macd" ? macd : n === "macd_signal" ? sig : 0));
    const bar = { open: 1, high: 2, low: 0.5, close: 1.5 };
    const snap = snapshotOf({ features: row(25, 0.2, 0.1), bar }, { features: row(28, 0.05, 0.1), bar });
    expect(snap.current.close).toBe(1.5);
    expect(evaluate(seeds, "BUY", snap).agreed).toBe(true);
    expect(() => snapshotOf({ features: [1, 2], bar }, { features: row(1, 1, 1), bar })).toThrow(
      /feature row has 2 values/,
    );
  });
});
