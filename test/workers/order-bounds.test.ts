// Issue 19: SL/TP far from the price are refused with the band (not queued for the terminal), and a
// client_order_id reused for a different order (side, volume, target, SL or TP) is a 409, not the first trade returned silently.
import { describe, expect, it } from "vitest";
import { ApiErrorSchema } from "../../core/protocol/errors";
import { d1Trades, newUser, predictorDouble, SYMBOL, wireObject } from "./engine-fixtures";
import { authedFetch } from "./helpers";

const order = (side: "BUY" | "SELL", id: string, extra: Record<string, unknown> = {}) => ({
  side,
  symbol: SYMBOL,
  volume: 0.1,
  client_order_id: id,
  ...extra,
});
const trade = (token: string, body: unknown) => authedFetch(token, "/api/v1/trade", { method: "POST", json: body });

describe("order bounds", () => {
  it.each(["paper", "connector"] as const)(
    "%s: SL/TP outside the band around the price are a 400 naming the band, and nothing is recorded or queued",
    async (target) => {
      const u = await newUser();
      await wireObject(u.userId, predictorDouble("none").fn);
      for (const [id, levels] of [
        ["huge-tp", { tp: 1e308 }],
        ["tiny-sl", { sl: 5e-324 }],
        ["far-sl", { sl: 0.1 }],
      ] as const) {
        const res = await trade(u.accessToken, order("BUY", `${target}-${id}`, { ...levels, target }));
        expect(res.status).toBe(400);
        const body = ApiErrorSchema.parse(await res.json());
        expect(body.error.code).toBe("validation_error");
        expect(body.error.message).toMatch(/is outside 0\.2\d*\.\.3\.6\d* \(1\/4 to 4x the current price 0\.9/);
      }
      const positions = (await (await authedFetch(u.accessToken, "/api/v1/positions")).json()) as
        | { positions?: unknown[] }
        | unknown[];
      expect(Array.isArray(positions) ? positions : positions.positions).toEqual([]);
      expect(await d1Trades(u.userId)).toEqual([]);
    },
  );

  it("a client_order_id reused with a different order is a 409 and changes nothing; the same order again is the first result", async () => {
    const u = await newUser();
    await wireObject(u.userId, predictorDouble("none").fn);
    expect((await trade(u.accessToken, order("BUY", "same-id", { sl: 0.895 }))).status).toBe(201);
    for (const other of [
      order("SELL", "same-id"),
      { ...order("BUY", "same-id"), volume: 0.2 },
      order("BUY", "same-id", { target: "connector" }),
      order("BUY", "same-id", { sl: 0.89 }),
      order("BUY", "same-id"),
    ]) {
      const res = await trade(u.accessToken, other);
      expect(res.status).toBe(409);
      const body = ApiErrorSchema.parse(await res.json());
      expect(body.error).toMatchObject({
        code: "conflict",
        message: "client_order_id same-id was already used for a different order",
      });
    }
    const again = await trade(u.accessToken, order("BUY", "same-id", { sl: 0.895 }));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { status: string }).status).toBe("duplicate");
    expect((await d1Trades(u.userId)).map((t) => [t.client_order_id, t.side, t.volume])).toEqual([
      ["same-id", "BUY", 0.1],
    ]);
  });
});
