import { describe, expect, it } from "vitest";
import { isDeltaExchangeHost, marketSources } from "./market-sources";

describe("market sources", () => {
  it("Delta's own hosts are live; a local server or a look-alike host is replayed", () => {
    expect(isDeltaExchangeHost("https://api.india.delta.exchange")).toBe(true);
    expect(isDeltaExchangeHost("https://api.delta.exchange/v2")).toBe(true);
    expect(isDeltaExchangeHost("wss://socket.delta.exchange")).toBe(true);
    expect(isDeltaExchangeHost("http://127.0.0.1:8788")).toBe(false);
    expect(isDeltaExchangeHost("https://delta.exchange.evil.example")).toBe(false);
    expect(isDeltaExchangeHost("https://user@api.delta.exchange@evil.example")).toBe(false);
    expect(isDeltaExchangeHost("not a url")).toBe(false);
  });

  it("labels BTCUSD/ETHUSD replayed only when the REST host is not Delta's; USD/CHF always", () => {
    const local = marketSources("http://127.0.0.1:9999");
    expect(local.find((s) => s.symbol === "BTCUSD")).toMatchObject({ source: "delta", replayed: true });
    expect(local.find((s) => s.symbol === "USDCHF")).toMatchObject({ source: "replay", replayed: true });
    const live = marketSources("https://api.india.delta.exchange");
    expect(live.find((s) => s.symbol === "ETHUSD")).toMatchObject({ source: "delta", replayed: false });
    expect(live.find((s) => s.symbol === "ETHUSD")?.description).toContain("api.india.delta.exchange");
  });
});
