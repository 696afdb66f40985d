import { z } from "zod";
import { DELTA_SYMBOLS } from "../instruments/delta-products";

/** Symbols of the embedded replay (durable-objects/market/replay-data.ts serves them; a test keeps both lists equal). */
export const EMBEDDED_REPLAY_SYMBOLS = ["USDCHF", "SPX500"] as const;

/** GET /api/v1/market/sources: where each symbol's bars come from, and whether they are replayed history. */
export const MarketSourceSchema = z.object({
  symbol: z.string(),
  source: z.enum(["replay", "delta"]),
  /** true: historical candles replayed (the embedded replay, or a local Delta server such as `npm start`'s). */
  replayed: z.boolean(),
  description: z.string(),
});
export type MarketSource = z.infer<typeof MarketSourceSchema>;
export const MarketSourcesResponseSchema = z.object({ sources: z.array(MarketSourceSchema) });
export type MarketSourcesResponse = z.infer<typeof MarketSourcesResponseSchema>;

/** The host of an absolute http(s)/ws(s) URL, lower-cased; undefined when it is not one. */
function hostOf(url: string): string | undefined {
  return /^(?:https?|wss?):\/\/(?:[^@/?#]*@)?([^:/?#]+)/i.exec(url)?.[1]?.toLowerCase();
}

/** Delta Exchange's own hosts (global and India); anything else is a local or test server. */
export function isDeltaExchangeHost(url: string): boolean {
  const host = hostOf(url);
  return host !== undefined && (host === "delta.exchange" || host.endsWith(".delta.exchange"));
}

/** Every symbol with a built-in source; Delta's are replayed when the configured REST host is not Delta's. */
export function marketSources(deltaRestUrl: string): MarketSource[] {
  const live = isDeltaExchangeHost(deltaRestUrl);
  return [
    ...EMBEDDED_REPLAY_SYMBOLS.map((symbol) => ({
      symbol,
      source: "replay" as const,
      replayed: true,
      description: "embedded historical quotes replayed on a virtual clock",
    })),
    ...DELTA_SYMBOLS.map((symbol) => ({
      symbol,
      source: "delta" as const,
      replayed: !live,
      description: live
        ? `Delta Exchange live candles (${hostOf(deltaRestUrl)})`
        : "historical candles replayed by a local Delta-compatible server (not live prices)",
    })),
  ];
}
