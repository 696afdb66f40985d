import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { TradeView } from "../../core/protocol/events";
import { OrderIntentSchema } from "../../core/protocol/orders";
import {
  type ExecutionResult,
  ExecutionResultSchema,
  type ManualTradeRequest,
  ManualTradeRequestSchema,
} from "../../core/protocol/portfolio-api";
import { getBot, parseStoredConfig } from "../../platform/bots/store";
import { db } from "../../platform/db/client";
import { userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { HttpError, notFound } from "../lib/http-error";
import { validationHook } from "../middleware/errors";
import { errorResponse, jsonBody } from "./auth";

// Manual execution: POST /trade (an order intent) and POST /ml/models/{id}/execute (the bot's
// current plan). Both run the engine's execution path in the user's object, idempotent by
// client order id (the plan's id is the cycle's, so a cycle for the same bar will not trade again).

const common = { tags: ["trading"], middleware: [...authed], security: bearerSecurity };
const authErrors = {
  401: errorResponse("Missing, expired or invalid access token"),
  429: errorResponse("Too many requests"),
};
const result = (description: string) => ({
  description,
  content: { "application/json": { schema: ExecutionResultSchema } },
});
const outcomes = {
  200: result("Same client order id executed before: the first result, nothing done"),
  201: result("Filled (paper)"),
  202: result("Sent to the connector; the result arrives as an event"),
  400: errorResponse("Invalid order (schema, or SL/TP outside the band around the current price); nothing recorded"),
  409: errorResponse("Client order id already used for a different order"),
  422: errorResponse("Rejected by the account (stops, volume, margin, price); recorded as a rejected trade"),
  503: errorResponse("Connector not connected; recorded as an error trade, not resent"),
};

const trade = createRoute({
  ...common,
  method: "post",
  path: "/trade",
  summary: "Place a market order (manual)",
  request: { body: jsonBody(ManualTradeRequestSchema) },
  responses: { ...outcomes, ...authErrors },
});

const execute = createRoute({
  ...common,
  method: "post",
  path: "/ml/models/{id}/execute",
  summary: "Execute the bot's current prediction plan now",
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    ...outcomes,
    404: errorResponse("No such bot for this user"),
    409: errorResponse("No plan to execute (HOLD, blocked, below threshold, stale data)"),
    ...authErrors,
  },
});

/**
 * A retry must be the same order: side, symbol, volume and account. SL/TP are not compared: the
 * trade's levels move with later modifications, so a faithful retry could look different there.
 */
function reply(r: ExecutionResult) {
  switch (r.status) {
    case "filled":
      return { body: r, status: 201 as const };
    case "pending":
      return { body: r, status: 202 as const };
    case "duplicate":
      return { body: r, status: 200 as const };
    case "conflict":
      throw new HttpError(409, "conflict", r.reason ?? "client order id already used", { trade: r.trade });
    case "invalid":
      throw new HttpError(400, "validation_error", `validation failed: ${r.reason ?? "invalid order"}`);
    case "rejected":
      throw new HttpError(422, "bad_request", `order rejected: ${r.reason ?? "rejected"}`, { trade: r.trade });
    case "error":
      throw new HttpError(503, "unavailable", `order not executed: ${r.reason ?? "error"}`, { trade: r.trade });
  }
}

export const tradingRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(trade, async (c) => {
    const body = c.req.valid("json");
    // The cross-field rules (one volume, SL/TP sides) live in OrderIntentSchema's refinements.
    const { target: _t, ...intent } = body;
    const checked = OrderIntentSchema.safeParse(intent);
    if (!checked.success) {
      throw new HttpError(
        400,
        "validation_error",
        "validation failed: invalid order",
        checked.error.issues.map((i) => ({ path: i.path.join("."), message: i.message, code: i.code })),
      );
    }
    const result = await userObject(c.env, c.var.userId).manualTrade(c.var.userId, body);
    const r = reply(result);
    return c.json(r.body, r.status);
  })
  .openapi(execute, async (c) => {
    const row = await getBot(db(c.env), c.var.userId, c.req.valid("param").id);
    if (!row) throw notFound("bot");
    const bot = {
      id: row.id,
      userId: c.var.userId,
      name: row.name,
      symbol: row.symbol,
      target: row.target,
      config: parseStoredConfig(row),
    };
    const out = await userObject(c.env, c.var.userId).executePlan(c.var.userId, bot);
    if (!out.ok) throw new HttpError(409, "conflict", out.message, { reason: out.reason });
    const r = reply(out.result);
    return c.json(r.body, r.status);
  });
