import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PaperEngine } from "./engine";
import type { Bar, ClosedEvent, PaperEvent, Position } from "./schemas";

const P = 0.00001; // EURUSD / USDCHF point
const px = (points: number) => Number((points * P).toFixed(5));

const orderArb = fc.record({
  side: fc.constantFrom("BUY" as const, "SELL" as const),
  lots: fc.integer({ min: 1, max: 200 }), // hundredths
  slPts: fc.option(fc.integer({ min: 30, max: 600 }), { nil: null }),
  tpPts: fc.option(fc.integer({ min: 30, max: 900 }), { nil: null }),
  trailPts: fc.option(fc.integer({ min: 20, max: 400 }), { nil: null }),
  trailActivation: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
  bePts: fc.option(fc.integer({ min: 20, max: 300 }), { nil: null }),
});

const stepArb = fc.record({
  gapPts: fc.oneof(fc.integer({ min: -20, max: 20 }), fc.integer({ min: -800, max: 800 })),
  upPts: fc.integer({ min: 0, max: 400 }),
  downPts: fc.integer({ min: 0, max: 400 }),
  closeFrac: fc.double({ min: 0, max: 1, noNaN: true }),
  order: fc.oneof({ arbitrary: fc.constant(null), weight: 2 }, { arbitrary: orderArb, weight: 1 }),
  // Mostly no manual close, so stops get a chance to act.
  closeOne: fc.oneof({ arbitrary: fc.constant(null), weight: 8 }, { arbitrary: fc.nat(), weight: 1 }),
  minutes: fc.constantFrom(30, 60, 240, 600),
});

const scenarioArb = fc.record({
  symbol: fc.constantFrom("EURUSD", "USDCHF"),
  spread: fc.integer({ min: 0, max: 30 }),
  slippage: fc.integer({ min: 0, max: 10 }),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 60 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;
type Action =
  | { kind: "submit"; intent: Parameters<PaperEngine["submit"]>[0]; time: number; mid: number }
  | { kind: "close"; pick: number; time: number; mid: number }
  | { kind: "bar"; bar: Bar };

/** Turns a scenario into a flat list of engine calls (orders fill at a bar's open, decided before it). */
function actions(sc: Scenario): Action[] {
  const out: Action[] = [];
  let closePts = 110_000; // 1.10000 for EURUSD; shifted for USDCHF below
  if (sc.symbol === "USDCHF") closePts = 90_000;
  let time = Date.UTC(2024, 0, 1, 20, 0);
  sc.steps.forEach((s, i) => {
    time += s.minutes * 60_000;
    const openPts = closePts + s.gapPts;
    const highPts = openPts + s.upPts;
    const lowPts = openPts - s.downPts;
    closePts = Math.round(lowPts + (highPts - lowPts) * s.closeFrac);
    const mid = px(openPts);
    if (s.order) {
      const o = s.order;
      const dir = o.side === "BUY" ? 1 : -1;
      const half = Math.ceil(sc.spread / 2) + sc.slippage + 1;
      out.push({
        kind: "submit",
        time,
        mid,
        intent: {
          side: o.side,
          symbol: sc.symbol,
          volume: o.lots / 100,
          sl: o.slPts === null ? null : px(openPts - dir * (o.slPts + half)),
          tp: o.tpPts === null ? null : px(openPts + dir * (o.tpPts + half)),
          client_order_id: `o-${i}`,
          ...(o.trailPts !== null
            ? {
                trailing_stop: {
                  distance_points: o.trailPts,
                  ...(o.trailActivation !== null ? { activation_points: o.trailActivation } : {}),
                },
              }
            : {}),
          ...(o.bePts !== null ? { breakeven: { trigger_points: o.bePts + 5, lock_points: 5 } } : {}),
        },
      });
    }
    if (s.closeOne !== null) out.push({ kind: "close", pick: s.closeOne, time, mid });
    out.push({
      kind: "bar",
      bar: { symbol: sc.symbol, time, open: mid, high: px(highPts), low: px(lowPts), close: px(closePts) },
    });
  });
  return out;
}

function apply(e: PaperEngine, a: Action): PaperEvent[] {
  if (a.kind === "submit") {
    const r = e.submit(a.intent, { time: a.time, price: { mid: a.mid } });
    return r.status === "filled" && !r.duplicate ? [r.event] : [];
  }
  if (a.kind === "close") {
    const open = e.positions();
    if (open.length === 0) return [];
    const pos = open[a.pick % open.length]!;
    const r = e.close(pos.id, { time: a.time, reason: "signal", price: { mid: a.mid } });
    return r.status === "closed" ? [r.event] : [];
  }
  return e.processBar(a.bar);
}

describe("paper engine properties", () => {
  it("money is conserved and stop exits stay inside the bar", () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const initial = 50_000;
        const e = PaperEngine.create({
          initialBalance: initial,
          spreadPoints: { [sc.symbol]: sc.spread },
          slippagePoints: sc.slippage,
        });
        const half = (sc.spread * P) / 2;
        const slip = sc.slippage * P;
        const closed: ClosedEvent[] = [];
        for (const a of actions(sc)) {
          const before = new Map<string, Position>(e.positions().map((p) => [p.id, { ...p }]));
          const events = apply(e, a);
          for (const ev of events) {
            if (ev.type === "closed") closed.push(ev);
            if (ev.type === "modified" && ev.reason !== "manual") {
              // Trailing and breakeven only ever move the stop in the position's favour.
              if (ev.previousSl !== null)
                expect(ev.side === "BUY" ? ev.sl! > ev.previousSl : ev.sl! < ev.previousSl).toBe(true);
            }
            if (a.kind !== "bar" || ev.type !== "closed") continue;
            const d = ev.side === "BUY" ? -half : half; // exits at bid for BUY, ask for SELL
            const low = a.bar.low + d - 1e-9;
            const high = a.bar.high + d + 1e-9;
            const open = a.bar.open + d;
            // Every bar-driven close lies inside the bar's range on its side.
            expect(ev.exitPrice).toBeGreaterThanOrEqual(low);
            expect(ev.exitPrice).toBeLessThanOrEqual(high);
            const pos = before.get(ev.positionId)!;
            const dir = ev.side === "BUY" ? 1 : -1;
            if (ev.reason === "tp") {
              // A take-profit never fills worse than its level (a gap fills better, at the open).
              expect(dir * (ev.exitPrice - pos.tp!)).toBeGreaterThanOrEqual(-1e-9);
            } else {
              const level = pos.sl!;
              const gapped = dir * (open - level) <= 1e-12;
              // A stop never fills better than its level; only a gap (at the open) or slippage fills worse.
              expect(dir * (ev.exitPrice - level)).toBeLessThanOrEqual(1e-9);
              const floor = (gapped ? open : level) - dir * slip;
              expect(dir * (ev.exitPrice - floor)).toBeGreaterThanOrEqual(-1e-9);
            }
          }
          const acct = e.account();
          const daySum = Object.values(acct.dailyRealized).reduce((x, y) => x + y, 0);
          const realized = closed.reduce((x, c) => x + c.netPnl, 0);
          const openCommission = e.positions().reduce((x, p) => x + p.commissionOpen, 0);
          expect(acct.balance).toBeCloseTo(initial + daySum, 6);
          expect(acct.balance).toBeCloseTo(initial + realized - openCommission, 6);
          const unrealized = e.positions().reduce((x, p) => x + p.unrealizedPnl, 0);
          expect(Math.abs(acct.equity - (acct.balance + unrealized))).toBeLessThanOrEqual(0.011);
          expect(acct.marginUsed).toBeCloseTo(
            e.positions().reduce((x, p) => x + p.margin, 0),
            6,
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it("is deterministic and a snapshot taken mid-way replays to the same events", () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), (sc, cutSeed) => {
        const settings = {
          initialBalance: 50_000,
          spreadPoints: { [sc.symbol]: sc.spread },
          slippagePoints: sc.slippage,
        };
        const acts = actions(sc);
        const cut = cutSeed % (acts.length + 1);
        const a = PaperEngine.create(settings);
        const b = PaperEngine.create(settings);
        const evA = acts.map((x) => apply(a, x));
        const head = acts.slice(0, cut).map((x) => apply(b, x));
        const restored = PaperEngine.restore(JSON.parse(JSON.stringify(b.toJSON())));
        const tail = acts.slice(cut).map((x) => apply(restored, x));
        expect([...head, ...tail]).toEqual(evA);
        expect(restored.toJSON()).toEqual(a.toJSON());
      }),
      { numRuns: 150 },
    );
  });
});
