// The risk functions skip their zod parse for requests the schemas surely accept (isPlain*). Proven
// here: a request is "plain" only if the schema accepts it, and then the parse returns the same fields.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPlainSizingRequest, type SizingRequest, SizingRequestSchema } from "./sizing";
import { isPlainStopsRequest, type StopsRequest, StopsRequestSchema } from "./stops";

// Numbers around every boundary the schemas draw: 0, negatives, non-finite, > 100.
const num = fc.oneof(
  fc.double({ min: 1e-9, max: 1e6, noNaN: true }),
  fc.constantFrom(0, -0, -1, 100, 100.0001, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-300),
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const junk = fc.oneof(fc.constant("1"), fc.constant(null), fc.constant(true));

const stops = fc.record(
  {
    mode: fc.constantFrom("atr", "pips", "ATR"),
    side: fc.constantFrom("BUY", "SELL", "buy"),
    entry: fc.oneof(num, junk),
    atr: maybe(num),
    slAtrMult: maybe(num),
    tpAtrMult: maybe(num),
    slPips: maybe(num),
    tpPips: maybe(num),
    riskReward: maybe(fc.oneof(num, junk)),
  },
  { requiredKeys: ["mode", "side", "entry"] },
) as unknown as fc.Arbitrary<StopsRequest>;

const sizing = fc.oneof(
  fc.record({ mode: fc.constant("fixed"), lots: fc.oneof(num, junk) }),
  fc.record(
    {
      mode: fc.constantFrom("risk_pct", "pct"),
      pct: num,
      balance: num,
      entry: num,
      sl: fc.oneof(num, junk),
      includeCommission: maybe(fc.oneof(fc.boolean(), fc.constant("yes"))),
    },
    { requiredKeys: ["mode", "pct", "balance", "entry"] },
  ),
) as unknown as fc.Arbitrary<SizingRequest>;

/** The fields the functions read for the request's mode (zod strips the others; the functions never look at them). */
const READ: Record<string, string[]> = {
  atr: ["mode", "side", "entry", "atr", "slAtrMult", "tpAtrMult", "riskReward"],
  pips: ["mode", "side", "entry", "slPips", "tpPips", "riskReward"],
  fixed: ["mode", "lots"],
  risk_pct: ["mode", "pct", "balance", "entry", "sl", "includeCommission"],
};
const fields = (o: { mode: string }) =>
  Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && READ[o.mode]!.includes(k)));

describe("plain risk requests skip the schema only where the schema agrees", () => {
  it("stops: plain implies accepted with the same fields", () => {
    let plain = 0;
    fc.assert(
      fc.property(stops, (r) => {
        const parsed = StopsRequestSchema.safeParse(r);
        if (isPlainStopsRequest(r)) {
          plain++;
          expect(parsed.success).toBe(true);
          expect(fields(parsed.data!)).toEqual(fields(r));
        }
      }),
      { numRuns: 5000 },
    );
    expect(plain).toBeGreaterThan(50); // the generator reaches the fast path, not only refusals
  });

  it("sizing: plain implies accepted with the same fields", () => {
    let plain = 0;
    fc.assert(
      fc.property(sizing, (r) => {
        const parsed = SizingRequestSchema.safeParse(r);
        if (isPlainSizingRequest(r)) {
          plain++;
          expect(parsed.success).toBe(true);
          expect(fields(parsed.data!)).toEqual(fields(r));
        }
      }),
      { numRuns: 5000 },
    );
    expect(plain).toBeGreaterThan(50);
  });

  it("every request the schemas accept from the well-formed space is plain (the fast path is the common path)", () => {
    fc.assert(
      fc.property(stops, (r) => {
        const ok = StopsRequestSchema.safeParse(r).success;
        if (ok) expect(isPlainStopsRequest(r)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
