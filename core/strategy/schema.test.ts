import { describe, expect, it } from "vitest";
import { FEATURE_SCHEMA } from "../features/schema";
import { STRATEGY_PRESETS } from "./presets";
import { RULE_INDICATORS, StrategySchema } from "./schema";

const messages = (x: unknown) => {
  const r = StrategySchema.safeParse(x);
  if (r.success) throw new Error("expected a validation error");
  return r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("strategy schema", () => {
  it("accepts every feature name and the bar prices", () => {
    expect(RULE_INDICATORS).toEqual([...FEATURE_SCHEMA.names, "open", "high", "low", "close"]);
    for (const indicator of RULE_INDICATORS)
      expect(StrategySchema.safeParse({ buy: { all: [{ indicator, op: ">", value: 0 }] } }).success).toBe(true);
  });

  it("rejects an unknown indicator with the list of valid names, also deep in a group and on the right side", () => {
    const [top] = messages({ buy: { all: [{ indicator: "rsi_99", op: "<", value: 30 }] } });
    expect(top).toContain('unknown indicator "rsi_99"; valid names: ret_1, ret_3');
    expect(top).toContain("rsi_14, macd");
    expect(top).toMatch(/^buy: all\.0: indicator: /);
    const [deep] = messages({
      sell: { any: [{ all: [{ indicator: "macd", op: "crosses_below", value: { indicator: "signal" } }] }] },
    });
    expect(deep).toMatch(/^sell: any\.0: all\.0: value: indicator: unknown indicator "signal"; valid names: /);
  });

  it("rejects bad operators, empty groups, mixed all+any, non-finite values and over-deep nesting", () => {
    expect(messages({ buy: { all: [{ indicator: "rsi_14", op: "==", value: 3 }] } })[0]).toMatch(
      /op: Invalid option: expected one of "<"\|"<="/,
    );
    expect(messages({ buy: { all: [] } })[0]).toMatch(/too small/i);
    expect(messages({ buy: { all: [{ indicator: "rsi_14", op: "<", value: 3 }], any: [] } })[0]).toMatch(
      /Unrecognized key: "any"/,
    );
    expect(messages({ buy: { all: [{ indicator: "rsi_14", op: "<", value: "30" }] } })[0]).toMatch(
      /expected a finite number or \{ indicator: <name> \}/,
    );
    expect(
      StrategySchema.safeParse({ buy: { all: [{ indicator: "rsi_14", op: "<", value: Infinity }] } }).success,
    ).toBe(false);
    const level = (inner: unknown) => ({ any: [inner] });
    const rule = { indicator: "rsi_14", op: "<", value: 30 };
    expect(StrategySchema.safeParse({ buy: level(level(level(rule))) }).success).toBe(true);
    expect(messages({ buy: level(level(level(level(rule)))) })).toEqual([
      "buy: rule groups nest at most 3 levels deep",
    ]);
    expect(messages({ buy: { all: [rule] }, hold: null })[0]).toMatch(/Unrecognized key: "hold"/);
  });

  it("ships presets that validate against the current feature schema", () => {
    expect(STRATEGY_PRESETS.map((p) => p.id)).toEqual(["none", "rsi_macd_reversal", "trend_filter", "band_reversion"]);
    for (const p of STRATEGY_PRESETS) expect(StrategySchema.parse(p.strategy)).toEqual(p.strategy);
  });
});
