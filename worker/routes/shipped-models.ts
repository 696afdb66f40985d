import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { InstalledShippedModelsSchema } from "../../core/protocol/shipped-models-api";
import { getBot, parseStoredConfig } from "../../platform/bots/store";
import { db } from "../../platform/db/client";
import { installShippedModels, SHIPPED_BY_SYMBOL } from "../../platform/ml/shipped-models";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { HttpError, notFound } from "../lib/http-error";
import { errorResponse, jsonResponse } from "../lib/openapi-schemas";
import { validationHook } from "../middleware/errors";

// Start a bot from the platform's shipped models for its symbol (USD/CHF 2h, 4h, 1d; BTCUSD 1h, 4h;
// trained on real data, see models/trained/*.card.json): they become the bot's active versions like
// an upload would.

const route = createRoute({
  method: "post",
  path: "/ml/models/{id}/shipped-models",
  tags: ["ml/models"],
  summary:
    "Install the shipped models of the bot's symbol (USDCHF 2h/4h/1d, BTCUSD 1h/4h) as its active model versions",
  middleware: [...authed],
  security: bearerSecurity,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    201: jsonResponse("Installed", InstalledShippedModelsSchema),
    401: errorResponse("Missing, expired or invalid access token"),
    404: errorResponse("No such bot for this user"),
    409: errorResponse("No shipped models for the bot's symbol"),
    429: errorResponse("Too many requests"),
  },
});

export const shippedModelRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(route, async (c) => {
  const userId = c.get("userId");
  const bot = await getBot(db(c.env), userId, c.req.valid("param").id);
  if (!bot) throw notFound("bot");
  const config = parseStoredConfig(bot);
  if (!SHIPPED_BY_SYMBOL[config.symbol]) {
    throw new HttpError(
      409,
      "conflict",
      `no shipped models for ${config.symbol}; shipped: ${Object.keys(SHIPPED_BY_SYMBOL).join(", ")}`,
    );
  }
  const installed = await installShippedModels(c.env, userId, bot.id, config.symbol);
  return c.json({ symbol: config.symbol, installed }, 201);
});
