import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { SymbolSchema } from "../../core/market/symbol";
import { CandlesQuerySchema, type CandlesResponse, CandlesResponseSchema } from "../../core/protocol/market-candles";
import { SymbolMarketSchema, symbolMarket } from "../../core/protocol/symbol-market";
import { userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { HttpError } from "../lib/http-error";
import { errorResponse, jsonResponse } from "../lib/openapi-schemas";
import { validationHook } from "../middleware/errors";

const candles = createRoute({
  method: "get",
  path: "/market/candles",
  tags: ["market"],
  summary: "Closed candles for the dashboard chart, from the caller's own bar store",
  middleware: [...authed],
  security: bearerSecurity,
  request: { query: CandlesQuerySchema },
  responses: {
    200: jsonResponse("Closed bars, oldest first", CandlesResponseSchema),
    400: errorResponse("Invalid query, or a timeframe this symbol's data cannot make"),
    401: errorResponse("Missing, expired or invalid access token"),
    404: errorResponse("No market data for this symbol"),
    429: errorResponse("Too many requests"),
    503: errorResponse("Market data temporarily unavailable"),
  },
});

const symbolRoute = createRoute({
  method: "get",
  path: "/market/symbols/{symbol}",
  tags: ["market"],
  summary:
    "What a bot on this symbol can run on: its market source, the timeframes it serves, shipped models and the default ensemble",
  middleware: [...authed],
  security: bearerSecurity,
  request: { params: z.object({ symbol: SymbolSchema }) },
  responses: {
    200: { description: "The symbol's market", content: { "application/json": { schema: SymbolMarketSchema } } },
    400: errorResponse("Not a symbol"),
    401: errorResponse("Missing, expired or invalid access token"),
    429: errorResponse("Too many requests"),
  },
});

export const marketRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(symbolRoute, (c) => c.json(symbolMarket(c.req.valid("param").symbol), 200))
  .openapi(candles, async (c) => {
    const { symbol, timeframe, limit } = c.req.valid("query");
    const r = await userObject(c.env, c.var.userId).getCandles(symbol, timeframe, limit);
    if (!r.ok) {
      if (r.reason === "unknown_symbol") throw new HttpError(404, "not_found", r.message);
      if (r.reason === "unsupported_timeframe") throw new HttpError(400, "bad_request", r.message);
      throw new HttpError(503, "unavailable", r.message, { reason: r.reason });
    }
    const body: CandlesResponse = {
      symbol: r.symbol,
      timeframe: r.timeframe,
      source: r.source,
      bars: r.bars,
      asOf: r.asOf,
      fresh: r.freshness.fresh,
    };
    if (!r.freshness.fresh) body.staleReason = r.freshness.message;
    return c.json(body, 200);
  });
