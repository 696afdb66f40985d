import { describe, expect, it } from "vitest";
import { at, bar } from "../../test/fixtures/paper-bars";
import { PaperEngine } from "./engine";

// Expected numbers below are worked out by hand (EURUSD: 1 lot = 100,000 EUR, P&L in USD,
// commission 3.50 USD per lot per side; spreads as stated per test).
const noSpread = () => PaperEngine.create({ initialBalance: 10_000, spreadPoints: { EURUSD: 0 } });

function openOne(
  e: PaperEngine,
  o: {
    side: "BUY" | "SELL";
    mid: number;
    volume?: number;
    sl?: number;
    tp?: number;
    trailing_stop?: { distance_points: number; activation_points?: number };
    breakeven?: { trigger_points: number; lock_points: number };
  },
) {
  const r = e.submit(
    {
      side: o.side,
      symbol: "EURUSD",
      volume: o.volume ?? 1,
      sl: o.sl,
      tp: o.tp,
      client_order_id: "c1",
      trailing_stop: o.trailing_stop,
      breakeven: o.breakeven,
    },
    { time: at(0), price: { mid: o.mid } },
  );
  if (r.status !== "filled") throw new Error(`not filled: ${JSON.stringify(r)}`);
  return r;
}

describe("stop loss and take profit on hand-made bars", () => {
  it("SL closes a BUY exactly at the SL level", () => {
    const e = noSpread();
    const r = openOne(e, { side: "BUY", mid: 1.1, sl: 1.098, tp: 1.104 });
    expect(r.event.price).toBe(1.1);
    expect(e.account().balance).toBe(9996.5);
    const ev = e.processBar(bar("EURUSD", 1, 1.1001, 1.101, 1.0975, 1.099));
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({
      type: "closed",
      reason: "sl",
      exitPrice: 1.098,
      grossPnl: -200,
      commission: 3.5,
      totalCommission: 7,
      netPnl: -207,
      clientOrderId: "c1",
    });
    expect(e.account().balance).toBe(9793);
    expect(e.positions()).toHaveLength(0);
  });

  it("TP closes a SELL at the TP level, triggered on the ask side of the bar", () => {
    const e = PaperEngine.create({ initialBalance: 10_000 }); // EURUSD default spread 10 points
    const r = openOne(e, { side: "SELL", mid: 1.2, volume: 0.5, sl: 1.203, tp: 1.195 });
    expect(r.event.price).toBe(1.19995); // SELL fills at bid = mid - 5 points
    // Mid low 1.19497 -> ask low 1.19502: not yet at 1.19500.
    expect(e.processBar(bar("EURUSD", 1, 1.199, 1.1995, 1.19497, 1.196))).toEqual([]);
    const ev = e.processBar(bar("EURUSD", 2, 1.196, 1.1965, 1.194, 1.196));
    expect(ev[0]).toMatchObject({ reason: "tp", exitPrice: 1.195, grossPnl: 247.5, totalCommission: 3.5, netPnl: 244 });
    expect(e.account().balance).toBe(10_244);
  });

  it("a bar touching both SL and TP resolves to SL", () => {
    const e = noSpread();
    openOne(e, { side: "BUY", mid: 1.1, sl: 1.099, tp: 1.101 });
    const ev = e.processBar(bar("EURUSD", 1, 1.1, 1.1015, 1.0985, 1.1));
    expect(ev[0]).toMatchObject({ reason: "sl", exitPrice: 1.099, grossPnl: -100 });
  });

  it("a gap through SL fills at the bar open, worse than SL", () => {
    const e = noSpread();
    openOne(e, { side: "BUY", mid: 1.1, sl: 1.099, tp: 1.101 });
    const ev = e.processBar(bar("EURUSD", 1, 1.097, 1.098, 1.096, 1.0975));
    expect(ev[0]).toMatchObject({ reason: "sl", exitPrice: 1.097, grossPnl: -300, netPnl: -307 });
  });

  it("a gap through TP fills at the bar open (the first traded price)", () => {
    const e = noSpread();
    openOne(e, { side: "BUY", mid: 1.1, sl: 1.099, tp: 1.101 });
    const ev = e.processBar(bar("EURUSD", 1, 1.102, 1.103, 1.1015, 1.1025));
    expect(ev[0]).toMatchObject({ reason: "tp", exitPrice: 1.102, grossPnl: 200 });
  });

  it("a bar older than the position does not touch it", () => {
    const e = noSpread();
    e.submit(
      { side: "BUY", symbol: "EURUSD", volume: 1, sl: 1.099, client_order_id: "late" },
      { time: at(5), price: { mid: 1.1 } },
    );
    expect(e.processBar(bar("EURUSD", 4, 1.1, 1.1, 1.09, 1.095))).toEqual([]);
    expect(e.positions()).toHaveLength(1);
  });
});

describe("trailing stop", () => {
  it("activates after 100 points, trails 200 points behind the high, closes as 'trailing'", () => {
    const e = noSpread();
    openOne(e, { side: "BUY", mid: 1.1, sl: 1.095, trailing_stop: { distance_points: 200, activation_points: 100 } });
    // High is only 80 points in profit: below activation.
    expect(e.processBar(bar("EURUSD", 1, 1.1, 1.1008, 1.0995, 1.1005))).toEqual([]);
    const m1 = e.processBar(bar("EURUSD", 2, 1.1005, 1.104, 1.1, 1.103));
    expect(m1).toEqual([
      expect.objectContaining({ type: "modified", reason: "trailing", previousSl: 1.095, sl: 1.102 }),
    ]);
    const m2 = e.processBar(bar("EURUSD", 3, 1.103, 1.106, 1.1025, 1.105));
    expect(m2).toEqual([
      expect.objectContaining({ type: "modified", reason: "trailing", previousSl: 1.102, sl: 1.104 }),
    ]);
    // A lower high never moves the stop back.
    const ev = e.processBar(bar("EURUSD", 4, 1.1045, 1.105, 1.103, 1.1035));
    expect(ev).toEqual([
      expect.objectContaining({ type: "closed", reason: "trailing", exitPrice: 1.104, grossPnl: 400, netPnl: 393 }),
    ]);
    expect(e.account().balance).toBe(10_393);
  });

  it("moves only after the bar's stops were checked: no same-bar benefit, next bar gaps through it", () => {
    const e = noSpread();
    openOne(e, { side: "BUY", mid: 1.1, sl: 1.095, trailing_stop: { distance_points: 200 } });
    // High 1.106 would put the stop at 1.104 and the low 1.099 would then hit it; conservative
    // rule: the stop is checked first (1.095 not hit), then moved to 1.104.
    const ev = e.processBar(bar("EURUSD", 1, 1.1, 1.106, 1.099, 1.1));
    expect(ev).toEqual([expect.objectContaining({ type: "modified", sl: 1.104 })]);
    const next = e.processBar(bar("EURUSD", 2, 1.1, 1.1005, 1.0995, 1.1));
    expect(next).toEqual([
      expect.objectContaining({ type: "closed", reason: "trailing", exitPrice: 1.1, grossPnl: 0, netPnl: -7 }),
    ]);
  });
});

describe("move to breakeven", () => {
  it("after 300 points in profit locks entry - 50 points on a SELL, closes as 'breakeven'", () => {
    const e = noSpread();
    openOne(e, { side: "SELL", mid: 1.3, sl: 1.305, tp: 1.29, breakeven: { trigger_points: 300, lock_points: 50 } });
    expect(e.processBar(bar("EURUSD", 1, 1.3, 1.301, 1.298, 1.299))).toEqual([]); // 200 points: not yet
    const m = e.processBar(bar("EURUSD", 2, 1.299, 1.2995, 1.2965, 1.298));
    expect(m).toEqual([
      expect.objectContaining({ type: "modified", reason: "breakeven", previousSl: 1.305, sl: 1.2995, tp: 1.29 }),
    ]);
    // Fires once: a further favourable bar does not move it again.
    expect(e.processBar(bar("EURUSD", 3, 1.298, 1.299, 1.294, 1.297))).toEqual([]);
    const ev = e.processBar(bar("EURUSD", 4, 1.298, 1.3, 1.297, 1.299));
    expect(ev).toEqual([
      expect.objectContaining({ type: "closed", reason: "breakeven", exitPrice: 1.2995, grossPnl: 50, netPnl: 43 }),
    ]);
  });
});
