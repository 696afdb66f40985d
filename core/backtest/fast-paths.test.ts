// The backtester's fast paths answer exactly what the slow, validated paths answer.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BarSchema, type Bar } from "../paper/schemas";
import { evaluateGroup, groupPasses, type Snapshot } from "../strategy/evaluate";
import type { Rule, RuleNode } from "../strategy/schema";
import { checkedPaperBar, isPaperBar } from "./bar-check";

// Real indicator names; ret_1 is never in the snapshot (a missing value).
const NAMES = ["rsi_14", "macd", "close", "ret_1"] as const;
const num = fc.oneof(fc.constantFrom(0, 1, -1, 30, NaN, Infinity), fc.double({ min: -100, max: 100, noNaN: true }));
const values = fc.record({ rsi_14: num, macd: num, close: num }) as fc.Arbitrary<Record<string, number>>;
const rule: fc.Arbitrary<Rule> = fc.record({
  indicator: fc.constantFrom(...NAMES),
  op: fc.constantFrom("<", "<=", ">", ">=", "crosses_above", "crosses_below"),
  value: fc.oneof(fc.double({ min: -100, max: 100, noNaN: true }), fc.record({ indicator: fc.constantFrom(...NAMES) })),
}) as unknown as fc.Arbitrary<Rule>;
const { node } = fc.letrec<{ node: RuleNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    rule,
    fc.record({ all: fc.array(tie("node"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie("node"), { minLength: 1, maxLength: 3 }) }),
  ) as fc.Arbitrary<RuleNode>,
}));

describe("groupPasses = evaluateGroup(...).passed", () => {
  it("on random rule trees and snapshots (NaN, Infinity, missing names, crosses)", () => {
    let passed = 0;
    fc.assert(
      fc.property(node, values, values, (g, current, previous) => {
        const s: Snapshot = { current, previous };
        const want = evaluateGroup(g as never, s).passed;
        if (want) passed++;
        expect(groupPasses(g, s)).toBe(want);
      }),
      { numRuns: 3000 },
    );
    expect(passed).toBeGreaterThan(100); // both answers occur
  });
});

describe("isPaperBar accepts exactly what the paper engine's BarSchema accepts", () => {
  const price = fc.oneof(fc.constantFrom(0, -1, NaN, Infinity, 1e-9), fc.double({ min: 0.5, max: 2, noNaN: true }));
  const raw = fc.record(
    {
      symbol: fc.constant("USDCHF"),
      time: fc.oneof(fc.constantFrom(-1, 1.5, 2 ** 60, NaN), fc.nat()),
      open: price,
      high: price,
      low: price,
      close: price,
      spreadPoints: fc.oneof(fc.constantFrom(-1, NaN, 0), fc.double({ min: 0, max: 50, noNaN: true })),
    },
    { requiredKeys: ["symbol", "time", "open", "high", "low", "close"] },
  ) as fc.Arbitrary<Bar>;
  // Mostly consistent bars (random ones rarely are), edges included: low = open, high = close.
  const consistent = fc
    .record({ o: fc.double({ min: 0.5, max: 2, noNaN: true }), c: fc.double({ min: 0.5, max: 2, noNaN: true }), up: fc.constantFrom(0, 0.001, 0.05), down: fc.constantFrom(0, 0.001, 0.05), t: fc.nat() })
    .map(({ o, c, up, down, t }): Bar => ({ symbol: "USDCHF", time: t, open: o, close: c, high: Math.max(o, c) + up, low: Math.min(o, c) - down }));
  const bar = fc.oneof(raw, consistent);
  it("on random bars, valid and not", () => {
    let ok = 0;
    fc.assert(
      fc.property(bar, (b) => {
        const want = BarSchema.safeParse(b).success;
        if (want) ok++;
        expect(isPaperBar(b)).toBe(want);
        if (!want) expect(() => checkedPaperBar(b)).toThrow();
        else expect(checkedPaperBar(b)).toBe(b);
      }),
      { numRuns: 5000 },
    );
    expect(ok).toBeGreaterThan(500);
  });
});
