import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { OrderIntentSchema } from "../../core/protocol/orders";
import {
  ExecutePlanRequestSchema,
  type ExecutionResult,
  ExecutionResultSchema,
  ManualTradeRequestSchema,
} from "../../core/protocol/portfolio-api";
import { issueDetails } from "../../core/util/zod-issues";
import { getBot, parseStoredConfig } from "../../platform/bots/store";
import { db } from "../../platform/db/client";
import { userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { HttpError, notFound } from "../lib/http-error";
import { errorResponse, jsonBody, jsonResponse } from "../lib/openapi-schemas";
import { validationHook } from "../middleware/errors";

// Manual execution: POST /trade (an order intent) and POST /ml/models/{id}/execute (the bot's
// current plan). Both run the engine's execution path in the user's object, idempotent by
// client order id (the plan's id is the cycle's, so a cycle for the same bar will not trade again).

const common = { tags: ["trading"], middleware: [...authed], security: bearerSecurity };
const authErrors = {
  401: errorResponse("Missing, expired or invalid access token"),
  429: errorResponse("Too many requests"),
};
const result = (description: string) => jsonResponse(description, ExecutionResultSchema);
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
  summary: "Place a market order (manual; with bot_id it passes that bot's gates, or carries override)",
  request: { body: jsonBody(ManualTradeRequestSchema) },
  responses: {
    ...outcomes,
    404: errorResponse("No such bot (bot_id) for this user"),
    409: errorResponse(
      "Client order id already used for a different order, or a gate of the bot blocks it (details.reason: max_open_positions, cooldown, daily_limit, protection); override: true places it anyway",
    ),
    ...authErrors,
  },
});

const execute = createRoute({
  ...common,
  method: "post",
  path: "/ml/models/{id}/execute",
  summary:
    "Execute the bot's current prediction plan now (the cycle's gates apply; override: true passes them on the record)",
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    body: { ...jsonBody(ExecutePlanRequestSchema), required: false },
  },
  responses: {
    ...outcomes,
    404: errorResponse("No such bot for this user"),
    409: errorResponse(
      "Blocked: a gate (details.reason: max_open_positions, cooldown, daily_limit) or no plan (HOLD, blocked, below threshold, stale data)",
    ),
    ...authErrors,
  },
});

async function botRef(env: AppEnv["Bindings"], userId: string, id: string) {
  const row = await getBot(db(env), userId, id);
  if (!row) throw notFound("bot");
  return { id: row.id, userId, name: row.name, symbol: row.symbol, target: row.target, config: parseStoredConfig(row) };
}

/** A refusal before anything was placed: the gate's (or the plan's) reason, 409. */
function refused(out: { reason: string; message: string }): never {
  throw new HttpError(409, "conflict", out.message, { reason: out.reason });
}

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
    const { target: _t, bot_id, override: _o, ...intent } = body;
    const checked = OrderIntentSchema.safeParse(intent);
    if (!checked.success) {
      throw new HttpError(400, "validation_error", "validation failed: invalid order", issueDetails(checked.error));
    }
    const bot = bot_id ? await botRef(c.env, c.var.userId, bot_id) : undefined;
    const out = await userObject(c.env, c.var.userId).manualTrade(c.var.userId, body, bot);
    if (!out.ok) refused(out);
    const result = out.result;
    const r = reply(result);
    return c.json(r.body, r.status);
  })
  .openapi(execute, async (c) => {
    const bot = await botRef(c.env, c.var.userId, c.req.valid("param").id);
    const override = (c.req.valid("json") as { override?: boolean } | undefined)?.override === true;
    const out = await userObject(c.env, c.var.userId).executePlan(c.var.userId, bot, { override });
    if (!out.ok) refused(out);
    const r = reply(out.result);
    return c.json(r.body, r.status);
  });
