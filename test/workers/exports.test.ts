// Issue 22: trades, positions and activities as CSV from the same list routes (`?format=csv` or
// `Accept: text/csv`), every row the filters match, equal to the JSON rows field by field.
import { describe, expect, it } from "vitest";
import { TradeViewSchema } from "../../core/protocol/events";
import { asCsvText, readCsv } from "../support/csv-read";
import { newUser, predictorDouble, SYMBOL, wireObject } from "./engine-fixtures";
import { authedFetch } from "./helpers";

const order = (side: "BUY" | "SELL", id: string) => ({ side, symbol: SYMBOL, volume: 0.1, client_order_id: id });

async function csv(token: string, path: string, init: { accept?: string } = {}) {
  const res = await authedFetch(token, path, init.accept ? { headers: { Accept: init.accept } } : {});
  expect(res.status, path).toBe(200);
  expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
  expect(res.headers.get("Content-Disposition")).toMatch(/^attachment; filename="[a-z-]+\.csv"$/);
  return readCsv(await res.text());
}

describe("CSV exports", () => {
  it("trades, positions and activities export the JSON rows, filters applied, by query or Accept", async () => {
    const u = await newUser();
    await wireObject(u.userId, predictorDouble("none").fn);
    for (const [i, side] of (["BUY", "SELL", "BUY"] as const).entries()) {
      const res = await authedFetch(u.accessToken, "/api/v1/trade", { method: "POST", json: order(side, `exp-${i}`) });
      expect(res.status).toBe(201);
    }
    const json = (await (await authedFetch(u.accessToken, "/api/v1/trades/history?limit=200")).json()) as {
      trades: Record<string, unknown>[];
    };
    expect(json.trades).toHaveLength(3);

    for (const rows of [
      await csv(u.accessToken, "/api/v1/trades/history?format=csv&limit=1"),
      await csv(u.accessToken, "/api/v1/trades/history", { accept: "text/csv" }),
    ]) {
      // limit does not cut an export; columns are the schema's, in its order.
      expect(rows).toHaveLength(3);
      expect(Object.keys(rows[0] ?? {})).toEqual(Object.keys(TradeViewSchema.shape));
      expect(rows).toEqual(
        json.trades.map((t) => Object.fromEntries(Object.keys(TradeViewSchema.shape).map((k) => [k, asCsvText(t[k])]))),
      );
    }
    const sells = await csv(u.accessToken, `/api/v1/trades/history?format=csv&status=open&symbol=${SYMBOL}`);
    expect(sells.map((r) => r["client_order_id"]).sort()).toEqual(["exp-0", "exp-1", "exp-2"]);
    expect(await csv(u.accessToken, "/api/v1/trades/history?format=csv&symbol=EURUSD")).toEqual([]);

    const positions = (await (await authedFetch(u.accessToken, "/api/v1/positions")).json()) as {
      positions: { id: string }[];
    };
    const posRows = await csv(u.accessToken, "/api/v1/positions?format=csv");
    expect(posRows.map((r) => r["id"]).sort()).toEqual(positions.positions.map((p) => p.id).sort());

    const activities = (await (await authedFetch(u.accessToken, "/api/v1/activities/recent?limit=500")).json()) as {
      activities: { id: string; message: string }[];
    };
    const actRows = await csv(u.accessToken, "/api/v1/activities/recent?format=csv");
    expect(actRows.map((r) => [r["id"], r["message"]])).toEqual(activities.activities.map((a) => [a.id, a.message]));

    // JSON stays the default, and a bad format is a 400 with the error JSON.
    const plain = await authedFetch(u.accessToken, "/api/v1/trades/history");
    expect(plain.headers.get("Content-Type")).toContain("application/json");
    const bad = await authedFetch(u.accessToken, "/api/v1/trades/history?format=xml");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("validation_error");
  });
});
