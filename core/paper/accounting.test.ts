import { describe, expect, it } from "vitest";
import { at, bar } from "../../test/fixtures/paper-bars";
import { PaperEngine } from "./engine";

// All expected amounts are hand-computed; see the comment on each line.
describe("spread, slippage and commission", () => {
  it("EURUSD round trip: 2 lots, 10-point spread, 3-point slippage, 3.50/lot/side", () => {
    const e = PaperEngine.create({ initialBalance: 10_000, slippagePoints: 3 });
    const r = e.submit(
      { side: "BUY", symbol: "EURUSD", lot_size: 2, client_order_id: "rt-1" },
      { time: at(0), price: { mid: 1.08 } },
    );
    expect(r.status).toBe("filled");
    if (r.status !== "filled") return;
    expect(r.event.price).toBe(1.08008); // ask 1.08005 + 3 points
    expect(r.event.commission).toBe(7); // 2 lots * 3.50
    expect(r.event.margin).toBe(7200.53); // 2 * 100000 * 1.08008 / 30 = 7200.5333
    expect(e.account()).toMatchObject({ balance: 9993, marginUsed: 7200.53 });
    const c = e.close(r.positionId, { time: at(10), reason: "signal", price: { mid: 1.082 } });
    expect(c).toMatchObject({
      status: "closed",
      // bid 1.08195 - 3 points = 1.08192; (1.08192 - 1.08008) * 200000 = 368
      event: {
        reason: "signal",
        exitPrice: 1.08192,
        grossPnl: 368,
        commission: 7,
        totalCommission: 14,
        netPnl: 354,
        balance: 10_354,
      },
    });
    expect(e.account()).toMatchObject({ balance: 10_354, equity: 10_354, marginUsed: 0, freeMargin: 10_354 });
  });

  it("USDCHF SELL stopped out: slipped SL, P&L converted CHF->USD at the exit price", () => {
    const e = PaperEngine.create({ initialBalance: 10_000, slippagePoints: 2 }); // USDCHF spread 14 points
    const r = e.submit(
      { side: "SELL", symbol: "USDCHF", volume: 1, sl: 0.903, client_order_id: "chf" },
      { time: at(0), price: { mid: 0.9 } },
    );
    expect(r).toMatchObject({ status: "filled", event: { price: 0.89991, commission: 3.5 } }); // bid 0.89993 - 2 points
    // Ask = mid + 7 points: ask high 0.90407 >= 0.903 -> SL 0.90300 + 2 points slippage = 0.90302.
    const ev = e.processBar(bar("USDCHF", 1, 0.901, 0.904, 0.9005, 0.9035));
    // -(0.90302 - 0.89991) * 100000 / 0.90302 = -344.3999 USD
    expect(ev[0]).toMatchObject({
      reason: "sl",
      exitPrice: 0.90302,
      grossPnl: -344.4,
      netPnl: -351.4,
      balance: 9648.6,
    });
  });

  it("stop slippage never fills beyond the bar's extreme", () => {
    const e = PaperEngine.create({ initialBalance: 10_000, slippagePoints: 50, spreadPoints: { EURUSD: 0 } });
    e.submit(
      { side: "BUY", symbol: "EURUSD", volume: 1, sl: 1.099, client_order_id: "clamp" },
      { time: at(0), price: { bid: 1.1, ask: 1.1 } },
    );
    // 1.09900 - 50 points = 1.09850 is below the low 1.09880: fill at the low.
    const ev = e.processBar(bar("EURUSD", 1, 1.0995, 1.1, 1.0988, 1.099));
    expect(ev[0]).toMatchObject({ reason: "sl", exitPrice: 1.0988 });
  });

  it("BTCUSD perp: 5 bp notional commission and 1:10 margin", () => {
    const e = PaperEngine.create({ initialBalance: 10_000 }); // BTC spread 100 points = 10 USD
    const r = e.submit(
      { side: "BUY", symbol: "BTCUSD", volume: 0.5, client_order_id: "btc" },
      { time: at(0), price: { mid: 50_000 } },
    );
    // ask 50005; commission 0.0005 * 0.5 * 50005 = 12.50125; margin 0.5 * 50005 / 10 = 2500.25
    expect(r).toMatchObject({
      status: "filled",
      event: { price: 50_005, commission: 12.5, margin: 2500.25, balance: 9987.5 },
    });
  });

  it("ETHUSD perp (Delta's product): fractional size in contract steps; taker fee on a stop, maker fee on a take-profit", () => {
    const e = PaperEngine.create({ initialBalance: 10_000, spreadPoints: { ETHUSD: 0 } });
    // 0.015 ETH is not a whole number of 0.01 ETH contracts.
    expect(
      e.submit(
        { side: "BUY", symbol: "ETHUSD", volume: 0.015, client_order_id: "eth-x" },
        { time: at(0), price: { mid: 2000 } },
      ),
    ).toMatchObject({ status: "rejected", reason: "invalid_volume" });
    const a = e.submit(
      { side: "BUY", symbol: "ETHUSD", volume: 2.5, sl: 1990, tp: 2020, client_order_id: "eth-a" },
      { time: at(0), price: { mid: 2000 } },
    );
    expect(a).toMatchObject({ status: "filled", event: { price: 2000, commission: 2.5 } }); // taker 0.0005 * 2.5 * 2000
    const ev = e.processBar(bar("ETHUSD", 1, 2001, 2025, 2000.5, 2010));
    // TP 2020 rests on the book: maker 0.0002 * 2.5 * 2020 = 1.01; gross (2020 - 2000) * 2.5 = 50
    expect(ev[0]).toMatchObject({
      reason: "tp",
      exitPrice: 2020,
      grossPnl: 50,
      commission: 1.01,
      totalCommission: 3.51,
    });
    const b = e.submit(
      { side: "BUY", symbol: "ETHUSD", volume: 1, sl: 1990, client_order_id: "eth-b" },
      { time: at(2), price: { mid: 2000 } },
    );
    expect(b.status).toBe("filled");
    const ev2 = e.processBar(bar("ETHUSD", 3, 1999, 2000, 1980, 1985));
    // The stop takes liquidity: taker 0.0005 * 1 * 1990 = 0.995, booked in cents as 1 (maker would be 0.40)
    expect(ev2[0]).toMatchObject({ reason: "sl", exitPrice: 1990, commission: 1 });
  });

  it("SPX500 CFD: 1 lot = 1 USD per index point, 1:20 margin, no commission", () => {
    const e = PaperEngine.create({ initialBalance: 10_000 }); // spread 6 points = 0.6
    const r = e.submit(
      { side: "SELL", symbol: "SPX500", volume: 2, client_order_id: "spx" },
      { time: at(0), price: { mid: 4000 } },
    );
    expect(r).toMatchObject({ status: "filled", event: { price: 3999.7, commission: 0, margin: 399.97 } }); // 2*3999.7/20
    if (r.status !== "filled") return;
    const c = e.close(r.positionId, { time: at(1), reason: "manual", price: { mid: 3990 } });
    expect(c).toMatchObject({ event: { exitPrice: 3990.3, grossPnl: 18.8 } }); // (3999.7 - 3990.3) * 2
  });

  it("live ticks mark open positions at the exit side and update equity", () => {
    const e = PaperEngine.create({ initialBalance: 10_000 });
    e.submit(
      { side: "BUY", symbol: "EURUSD", volume: 1, client_order_id: "live" },
      { time: at(0), price: { bid: 1.1, ask: 1.1001 } },
    );
    const t = e.processTick({ symbol: "EURUSD", time: at(1), bid: 1.1021, ask: 1.1022 });
    // (1.1021 - 1.1001) * 100000 = 200; balance 10000 - 3.50 commission
    expect(t.positions[0]).toMatchObject({ markPrice: 1.1021, unrealizedPnl: 200 });
    expect(t.account).toMatchObject({
      balance: 9996.5,
      unrealizedPnl: 200,
      equity: 10_196.5,
      marginUsed: 3667,
      freeMargin: 6529.5,
    });
  });

  it("a tick beyond SL fills at that tick's price", () => {
    const e = PaperEngine.create({ initialBalance: 10_000 });
    e.submit(
      { side: "SELL", symbol: "EURUSD", volume: 1, sl: 1.102, client_order_id: "tk" },
      { time: at(0), price: { bid: 1.1, ask: 1.1001 } },
    );
    expect(e.processTick({ symbol: "EURUSD", time: at(1), bid: 1.1015, ask: 1.1016 }).events).toEqual([]);
    const t = e.processTick({ symbol: "EURUSD", time: at(2), bid: 1.1023, ask: 1.1024 });
    expect(t.events).toEqual([expect.objectContaining({ reason: "sl", exitPrice: 1.1024, grossPnl: -240 })]);
  });
});

describe("margin", () => {
  it("rejects an order whose margin exceeds free margin and changes nothing", () => {
    const e = PaperEngine.create({ initialBalance: 1000, spreadPoints: { EURUSD: 0 } });
    const big = e.submit(
      { side: "BUY", symbol: "EURUSD", volume: 1, client_order_id: "big" },
      { time: at(0), price: { mid: 1.1 } },
    );
    // 100000 * 1.1 / 30 = 3666.67 > 1000
    expect(big).toMatchObject({
      status: "rejected",
      reason: "insufficient_margin",
      details: { required: 3666.67, free: 1000 },
    });
    expect(e.account()).toMatchObject({ balance: 1000, marginUsed: 0, openPositions: 0 });
    const ok = e.submit(
      { side: "BUY", symbol: "EURUSD", volume: 0.2, client_order_id: "ok" },
      { time: at(0), price: { mid: 1.1 } },
    );
    expect(ok).toMatchObject({ status: "filled", event: { margin: 733.33, commission: 0.7 } });
    // free = 999.30 - 733.33 = 265.97 < 366.67 needed for 0.1 lot
    const more = e.submit(
      { side: "SELL", symbol: "EURUSD", volume: 0.1, client_order_id: "more" },
      { time: at(1), price: { mid: 1.1 } },
    );
    expect(more).toMatchObject({
      status: "rejected",
      reason: "insufficient_margin",
      details: { required: 366.67, free: 265.97 },
    });
  });
});

describe("order validation", () => {
  const e = () => PaperEngine.create({ initialBalance: 10_000 });
  it("rejects an unknown symbol, an off-step volume, stops on the wrong side, a bad intent", () => {
    const x = e();
    const p = { time: at(0), price: { mid: 1.1 } };
    expect(x.submit({ side: "BUY", symbol: "XAUUSD", volume: 1, client_order_id: "a" }, p)).toMatchObject({
      reason: "unknown_symbol",
    });
    expect(x.submit({ side: "BUY", symbol: "EURUSD", volume: 0.015, client_order_id: "b" }, p)).toMatchObject({
      reason: "invalid_volume",
    });
    expect(x.submit({ side: "BUY", symbol: "EURUSD", volume: 1, sl: 1.1, client_order_id: "c" }, p)).toMatchObject({
      reason: "invalid_stops",
    });
    expect(x.submit({ side: "SELL", symbol: "EURUSD", volume: 1, tp: 1.2, client_order_id: "d" }, p)).toMatchObject({
      reason: "invalid_stops",
    });
    expect(x.submit({ side: "BUY", symbol: "EURUSD", client_order_id: "e" } as never, p)).toMatchObject({
      reason: "invalid_order",
      clientOrderId: "e",
    });
    expect(x.account()).toMatchObject({ balance: 10_000, openPositions: 0 });
  });
  it("modify rejects levels on the wrong side of the market and accepts valid ones", () => {
    const x = e();
    const r = x.submit(
      { side: "BUY", symbol: "EURUSD", volume: 1, client_order_id: "m" },
      { time: at(0), price: { mid: 1.1 } },
    );
    if (r.status !== "filled") throw new Error("not filled");
    expect(x.modify(r.positionId, { sl: 1.2 }, at(1))).toMatchObject({ status: "rejected", reason: "invalid_stops" });
    expect(x.modify(r.positionId, { sl: 1.095, tp: 1.11 }, at(1))).toMatchObject({
      status: "modified",
      event: {
        type: "modified",
        reason: "manual",
        sl: 1.095,
        tp: 1.11,
        previousSl: null,
        previousTp: null,
        clientOrderId: "m",
      },
    });
    expect(x.modify("pos-99", { sl: 1 }, at(1))).toMatchObject({ status: "rejected", reason: "unknown_position" });
    const ev = x.processBar(bar("EURUSD", 2, 1.1, 1.1, 1.09, 1.095));
    expect(ev[0]).toMatchObject({ reason: "sl", exitPrice: 1.095 }); // manual SL reports as plain "sl"
  });
});

describe("idempotency by client_order_id", () => {
  it("a second submit with the same id returns the first result and opens nothing", () => {
    const e = PaperEngine.create({ initialBalance: 10_000 });
    const intent = { side: "BUY" as const, symbol: "EURUSD", volume: 1, client_order_id: "bot1:2024-03-01T12:00Z" };
    const first = e.submit(intent, { time: at(0), price: { mid: 1.1 } });
    const again = e.submit(intent, { time: at(1), price: { mid: 1.2 } });
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ ...first, duplicate: true });
    expect(e.positions()).toHaveLength(1);
    expect(e.account().balance).toBe(9996.5); // one commission, not two
    if (first.status !== "filled") throw new Error("not filled");
    e.close(first.positionId, { time: at(2), reason: "manual" });
    expect(e.submit(intent, { time: at(3), price: { mid: 1.1 } })).toMatchObject({
      duplicate: true,
      positionId: first.positionId,
    });
    expect(e.positions()).toHaveLength(0);
  });

  it("a rejected id stays rejected on retry", () => {
    const e = PaperEngine.create({ initialBalance: 100 });
    const intent = { side: "BUY" as const, symbol: "EURUSD", volume: 1, client_order_id: "poor" };
    expect(e.submit(intent, { time: at(0), price: { mid: 1.1 } })).toMatchObject({
      reason: "insufficient_margin",
      duplicate: false,
    });
    expect(e.submit(intent, { time: at(1), price: { mid: 1.1 } })).toMatchObject({
      reason: "insufficient_margin",
      duplicate: true,
    });
  });

  it("forgets the oldest closed ids beyond the bound but never an open position's", () => {
    const e = PaperEngine.create({ initialBalance: 1_000_000, maxRememberedOrders: 2 });
    const p = { time: at(0), price: { mid: 1.1 } };
    const a = e.submit({ side: "BUY", symbol: "EURUSD", volume: 0.01, client_order_id: "a" }, p);
    const b = e.submit({ side: "BUY", symbol: "EURUSD", volume: 0.01, client_order_id: "b" }, p);
    if (b.status !== "filled") throw new Error("b");
    e.close(b.positionId, { time: at(1), reason: "manual" });
    e.submit({ side: "BUY", symbol: "EURUSD", volume: 0.01, client_order_id: "c" }, p);
    expect(e.orderResult("a")).toEqual(
      a.status === "filled"
        ? { status: "filled", clientOrderId: "a", positionId: a.positionId, event: a.event }
        : undefined,
    );
    expect(e.orderResult("b")).toBeUndefined();
    expect(e.orderResult("c")).toBeDefined();
  });
});

describe("daily realized P&L by UTC day", () => {
  it("books a close at 23:59:59.999 on that day and one at 00:00:00 on the next", () => {
    const e = PaperEngine.create({ initialBalance: 10_000, spreadPoints: { EURUSD: 0 } });
    const open = Date.UTC(2024, 2, 1, 22, 0);
    const p = { time: open, price: { mid: 1.1 } };
    const a = e.submit({ side: "BUY", symbol: "EURUSD", volume: 1, client_order_id: "d1" }, p);
    const b = e.submit({ side: "BUY", symbol: "EURUSD", volume: 1, client_order_id: "d2" }, p);
    if (a.status !== "filled" || b.status !== "filled") throw new Error("not filled");
    e.close(a.positionId, { time: Date.UTC(2024, 2, 1, 23, 59, 59, 999), reason: "manual", price: { mid: 1.101 } });
    e.close(b.positionId, { time: Date.UTC(2024, 2, 2, 0, 0, 0, 0), reason: "manual", price: { mid: 1.102 } });
    // 1 Mar: -3.50 -3.50 (two opens) + 100 - 3.50 = 89.50; 2 Mar: 200 - 3.50 = 196.50
    expect(e.account().dailyRealized).toEqual({ "2024-03-01": 89.5, "2024-03-02": 196.5 });
    expect(e.dailyPnl("2024-03-02")).toBe(196.5);
    expect(e.account().balance).toBe(10_286);
  });
});

describe("serialise and restore", () => {
  it("round-trips through JSON and then behaves identically", () => {
    const e = PaperEngine.create({ initialBalance: 10_000, slippagePoints: 1 });
    e.submit(
      {
        side: "BUY",
        symbol: "EURUSD",
        volume: 1,
        sl: 1.095,
        client_order_id: "s1",
        trailing_stop: { distance_points: 150 },
        breakeven: { trigger_points: 100, lock_points: 10 },
      },
      { time: at(0), price: { mid: 1.1 } },
    );
    e.submit(
      { side: "SELL", symbol: "USDCHF", volume: 0.5, tp: 0.89, client_order_id: "s2" },
      { time: at(0), price: { mid: 0.9 } },
    );
    e.processBar(bar("EURUSD", 1, 1.1, 1.1012, 1.0995, 1.101));
    const json = JSON.stringify(e.toJSON());
    const r = PaperEngine.restore(JSON.parse(json));
    expect(r.toJSON()).toEqual(e.toJSON());
    const bars = [
      bar("EURUSD", 2, 1.101, 1.103, 1.1005, 1.1025),
      bar("USDCHF", 2, 0.899, 0.8995, 0.8895, 0.8898),
      bar("EURUSD", 3, 1.1025, 1.1026, 1.0, 1.05),
    ];
    expect(bars.map((b) => r.processBar(b))).toEqual(bars.map((b) => e.processBar(b)));
    expect(r.account()).toEqual(e.account());
    // The restored engine still knows the client ids.
    expect(
      r.submit(
        { side: "BUY", symbol: "EURUSD", volume: 1, client_order_id: "s1" },
        { time: at(4), price: { mid: 1.1 } },
      ).duplicate,
    ).toBe(true);
  });

  it("refuses a corrupt snapshot", () => {
    const bad = { ...PaperEngine.create({ initialBalance: 1 }).toJSON(), balance: "lots" };
    expect(() => PaperEngine.restore(bad)).toThrow();
  });
});
