import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { DELTA_BASE_URLS } from "../../core/market/delta";
import { MarketSourcesResponseSchema, marketSources } from "../../core/protocol/market-sources";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { errorResponse } from "../lib/openapi-schemas";
import { validationHook } from "../middleware/errors";

// Where each symbol's bars come from: the dashboard labels replayed data (the embedded USD/CHF replay,
// and BTCUSD/ETHUSD when DELTA_REST_URL points at a local Delta server, as under `npm start`).
const sources = createRoute({
  method: "get",
  path: "/market/sources",
  tags: ["market"],
  summary: "Market data source per symbol, and whether it is replayed history",
  middleware: [...authed],
  security: bearerSecurity,
  responses: {
    200: { description: "Sources", content: { "application/json": { schema: MarketSourcesResponseSchema } } },
    401: errorResponse("Missing, expired or invalid access token"),
    429: errorResponse("Too many requests"),
  },
});

export const marketSourceRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(sources, (c) =>
  c.json({ sources: marketSources(c.env.DELTA_REST_URL || DELTA_BASE_URLS.india) }, 200),
);
