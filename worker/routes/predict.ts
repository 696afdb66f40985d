// GET /predict and POST /ml/models/{id}/predict: a bot's decision at its newest closed bar, computed
// in the caller's own object (durable-objects/prediction) and cached per (bot, timeframe|multi, bar).
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  type MarketClosed,
  MarketClosedSchema,
  ModelPredictBodySchema,
  PredictQuerySchema,
  type PredictRequest,
} from "../../core/protocol/predict-api";
import { type Prediction, PredictionSchema } from "../../core/protocol/prediction";
import type { Env } from "../../platform/env";
import { userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { HttpError } from "../lib/http-error";
import { errorResponse } from "../lib/openapi-schemas";
import { validationHook } from "../middleware/errors";

const common = { middleware: [...authed], security: bearerSecurity };
const ok = {
  description:
    'The decision: ensemble with per-model breakdown, strategy check, plan (or why none); `cached` when reused within the bar. Outside the market\'s hours: `{status: "market_closed", opens_at, ...}` instead (a state, not an error)',
  content: { "application/json": { schema: z.union([PredictionSchema, MarketClosedSchema]) } },
};
const errors = {
  400: errorResponse("Invalid query/body, or a timeframe that isn't in the bot's ensemble"),
  401: errorResponse("Missing, expired or invalid access token"),
  404: errorResponse("No such bot for this user (or no active bot for the symbol)"),
  409: errorResponse(
    "The market data can't serve this bot's symbol or one of its timeframes (details.reason); change the bot's config",
  ),
  429: errorResponse("Too many requests"),
  503: errorResponse(
    "Skipped: market data stale or missing, or the connector account's balance not known yet for risk_pct sizing (details.reason); never a plan on stale data",
  ),
};

const predictRoute = createRoute({
  ...common,
  method: "get",
  path: "/predict",
  tags: ["predict"],
  summary: "Prediction of your active bot for a symbol (or of bot_id): multi = ensemble consensus, or one model's view",
  request: { query: PredictQuerySchema },
  responses: { 200: ok, ...errors },
});

const modelPredictRoute = createRoute({
  ...common,
  method: "post",
  path: "/ml/models/{id}/predict",
  tags: ["ml/models"],
  summary: "Prediction of one bot (multi by default, or one of its timeframes)",
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    body: { required: false, content: { "application/json": { schema: ModelPredictBodySchema } } },
  },
  responses: { 200: ok, ...errors },
});

async function runPredict(env: Env, userId: string, req: PredictRequest): Promise<Prediction | MarketClosed> {
  const r = await userObject(env, userId).predict(userId, req);
  // RPC typing widens tuples; parsing restores the exact type (and checks the object kept the contract).
  if (r.ok) return PredictionSchema.parse(r.prediction);
  if (r.code === "market_closed" && r.closed) return MarketClosedSchema.parse(r.closed);
  if (r.code === "not_found") throw new HttpError(404, "not_found", r.message);
  if (r.code === "bad_request") throw new HttpError(400, "bad_request", r.message);
  if (r.code === "unsupported")
    throw new HttpError(409, "conflict", `the bot can't be served: ${r.message}`, r.details);
  throw new HttpError(503, "unavailable", `prediction skipped: ${r.message}`, r.details);
}

export const predictRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(predictRoute, async (c) => {
    const q = c.req.valid("query");
    const p = await runPredict(c.env, c.var.userId, {
      symbol: q.symbol,
      botId: q.bot_id,
      timeframe: q.timeframe,
      forceRefresh: q.force_refresh,
    });
    return c.json(p, 200);
  })
  .openapi(modelPredictRoute, async (c) => {
    const { id } = c.req.valid("param");
    // The body is optional: no body (or no JSON content type) means the defaults.
    const body = ModelPredictBodySchema.parse(c.req.valid("json") ?? {});
    const p = await runPredict(c.env, c.var.userId, {
      botId: id,
      timeframe: body.timeframe,
      forceRefresh: body.force_refresh,
    });
    return c.json(p, 200);
  });
