// GET /api/v1/market/sources: what the dashboard's "replayed data" label reads. The tests point
// DELTA_REST_URL at the local Delta server, so the Delta symbols are replayed here.
import { describe, expect, it } from "vitest";
import { EMBEDDED_REPLAY_SYMBOLS, MarketSourcesResponseSchema } from "../../core/protocol/market-sources";
import { REPLAY_SYMBOLS } from "../../durable-objects/market/replay-data";
import { api, registerUser } from "./helpers";

describe("GET /api/v1/market/sources", () => {
  it("lists the replay symbols and Delta's, all replayed against the local Delta server", async () => {
    const u = await registerUser();
    const res = await api("/api/v1/market/sources", { token: u.accessToken });
    expect(res.status).toBe(200);
    const { sources } = MarketSourcesResponseSchema.parse(await res.json());
    expect(sources.map((s) => [s.symbol, s.source, s.replayed])).toEqual([
      ["USDCHF", "replay", true],
      ["SPX500", "replay", true],
      ["BTCUSD", "delta", true],
      ["ETHUSD", "delta", true],
    ]);
    // The label's list of embedded replays is the replay feed's own.
    expect([...EMBEDDED_REPLAY_SYMBOLS].sort()).toEqual(Object.keys(REPLAY_SYMBOLS).sort());
  });

  it("refuses a caller without a token", async () => {
    expect((await api("/api/v1/market/sources")).status).toBe(401);
  });
});
