import { describe, expect, it } from "vitest";
import { OrderIntentSchema } from "./orders";

const base = { side: "BUY", symbol: "EURUSD", client_order_id: "bot-7:1709294400000" };

describe("OrderIntentSchema", () => {
  it("accepts volume, and lot_size as its alias", () => {
    expect(OrderIntentSchema.parse({ ...base, volume: 0.1 })).toMatchObject({ volume: 0.1, sl: null, tp: null });
    const viaAlias = OrderIntentSchema.parse({ ...base, lot_size: 0.2, sl: 1.09, tp: 1.12, comment: "auto" });
    expect(viaAlias).toEqual({ ...base, volume: 0.2, sl: 1.09, tp: 1.12, comment: "auto" });
    expect("lot_size" in viaAlias).toBe(false);
  });
  it("rejects a missing or disagreeing volume", () => {
    expect(OrderIntentSchema.safeParse(base).success).toBe(false);
    expect(OrderIntentSchema.safeParse({ ...base, volume: 0.1, lot_size: 0.2 }).success).toBe(false);
    expect(OrderIntentSchema.safeParse({ ...base, volume: 0 }).success).toBe(false);
  });
  it("checks SL/TP order per side", () => {
    expect(OrderIntentSchema.safeParse({ ...base, volume: 1, sl: 1.2, tp: 1.1 }).success).toBe(false);
    expect(OrderIntentSchema.safeParse({ ...base, side: "SELL", volume: 1, sl: 1.2, tp: 1.1 }).success).toBe(true);
  });
  it("rejects a bad client order id, side or an overlong comment", () => {
    expect(OrderIntentSchema.safeParse({ ...base, volume: 1, client_order_id: "has space" }).success).toBe(false);
    expect(OrderIntentSchema.safeParse({ ...base, volume: 1, client_order_id: "" }).success).toBe(false);
    expect(OrderIntentSchema.safeParse({ ...base, volume: 1, side: "HOLD" }).success).toBe(false);
    expect(OrderIntentSchema.safeParse({ ...base, volume: 1, comment: "x".repeat(32) }).success).toBe(false);
  });
  it("trailing and breakeven settings", () => {
    expect(OrderIntentSchema.parse({ ...base, volume: 1, breakeven: { trigger_points: 100 } }).breakeven).toEqual({
      trigger_points: 100,
      lock_points: 0,
    });
    expect(
      OrderIntentSchema.safeParse({ ...base, volume: 1, breakeven: { trigger_points: 100, lock_points: 100 } }).success,
    ).toBe(false);
    expect(OrderIntentSchema.safeParse({ ...base, volume: 1, trailing_stop: { distance_points: 0 } }).success).toBe(
      false,
    );
  });
});
