import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { BacktestWindowSchema } from "../../core/backtest/schema";
import { type BotConfig, BotConfigBodySchema, mergeConfigPatch } from "../../core/protocol/bot-config";
import {
  BotListSchema,
  BotSchema,
  CreateBotRequestSchema,
  UpdateBotRequestSchema,
} from "../../core/protocol/models-api";
import { symbolMarket, unservableTimeframes } from "../../core/protocol/symbol-market";
import { issueDetails } from "../../core/util/zod-issues";
import {
  deleteBot,
  getBot,
  insertBot,
  listBots,
  parseStoredConfig,
  replaceBot,
  setBotActive,
  toBot,
} from "../../platform/bots/store";
import { db } from "../../platform/db/client";
import { userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { HttpError, notFound } from "../lib/http-error";
import { errorResponse, jsonBody, jsonResponse } from "../lib/openapi-schemas";
import { validationHook } from "../middleware/errors";

// /ml/models: a user's bots. Every id route answers 404 for another user's id, never 403, so ids
// leak nothing about other accounts.

const common = { tags: ["ml/models"], middleware: [...authed], security: bearerSecurity };
const authErrors = {
  401: errorResponse("Missing, expired or invalid access token"),
  429: errorResponse("Too many requests"),
};
const IdParams = z.object({ id: z.string().min(1).max(64) });
const botResponse = (description: string) => jsonResponse(description, BotSchema);
const NOT_FOUND = errorResponse("No such bot for this user");
// "Show historical performance before activation" (backtest helper's block).
const ActivatedBotSchema = BotSchema.extend({
  backtest: BacktestWindowSchema.nullable(),
  warnings: z.array(z.string()),
});

const list = createRoute({
  ...common,
  method: "get",
  path: "/ml/models",
  summary: "The caller's bots, newest first",
  responses: {
    200: jsonResponse("Bots", BotListSchema),
    ...authErrors,
  },
});

const create = createRoute({
  ...common,
  method: "post",
  path: "/ml/models",
  summary: "Create a bot (inactive); omitted config sections take their defaults",
  request: { body: jsonBody(CreateBotRequestSchema) },
  responses: {
    201: botResponse("Created"),
    400: errorResponse(
      "Invalid body or config, or a timeframe the symbol's market data cannot serve (details name it)",
    ),
    ...authErrors,
  },
});

const get = createRoute({
  ...common,
  method: "get",
  path: "/ml/models/{id}",
  summary: "One bot",
  request: { params: IdParams },
  responses: { 200: botResponse("The bot"), 404: NOT_FOUND, ...authErrors },
});

const patch = createRoute({
  ...common,
  method: "patch",
  path: "/ml/models/{id}",
  summary: "Change name, symbol or config (config is deep-merged, then validated as a whole)",
  request: { params: IdParams, body: jsonBody(UpdateBotRequestSchema) },
  responses: {
    200: botResponse("Updated"),
    400: errorResponse("Invalid body, or the merged config is invalid (nothing changed)"),
    404: NOT_FOUND,
    409: errorResponse("The bot changed while this request ran; retry"),
    ...authErrors,
  },
});

const remove = createRoute({
  ...common,
  method: "delete",
  path: "/ml/models/{id}",
  summary: "Delete a bot",
  request: { params: IdParams },
  responses: { 204: { description: "Deleted" }, 404: NOT_FOUND, ...authErrors },
});

const toggle = (verb: "activate" | "deactivate") =>
  createRoute({
    ...common,
    method: "post",
    path: `/ml/models/{id}/${verb}`,
    summary:
      verb === "activate" ? "Let cycles trade with this bot" : "Stop cycles for this bot (open positions stay open)",
    request: { params: IdParams },
    responses: {
      200:
        verb === "activate"
          ? jsonResponse(
              "Active, with the latest backtest's summary and warnings (none yet, loses to buy-and-hold)",
              ActivatedBotSchema,
            )
          : botResponse("Inactive"),
      404: NOT_FOUND,
      ...authErrors,
    },
  });

/**
 * A bot must run on the data its symbol has: a timeframe the symbol's market source cannot serve
 * (e.g. 15m from USD/CHF's 30m replay) is refused at save time, not found at the first cycle.
 */
function requireServable(symbol: string, config: Pick<BotConfig, "ensemble">): void {
  const bad = unservableTimeframes(
    symbol,
    config.ensemble.models.map((m) => m.timeframe),
  );
  if (bad.length === 0) return;
  const details = bad.map((b) => ({
    path: `config.ensemble.models.${b.index}.timeframe`,
    message: b.message,
    code: "unservable_timeframe",
  }));
  throw new HttpError(
    400,
    "validation_error",
    `${symbol} can't serve ${bad.map((b) => b.timeframe).join(", ")}: ${bad[0]!.message}; nothing saved`,
    details,
  );
}

/** Merges a config patch into the stored config; a merged result that doesn't validate is a 400. */
function mergedConfig(stored: BotConfig, symbol: string, patchConfig: Record<string, unknown> | undefined): BotConfig {
  const { symbol: _stored, ...body } = stored;
  const parsed = BotConfigBodySchema.safeParse(mergeConfigPatch(body, patchConfig ?? {}));
  if (!parsed.success) {
    const details = issueDetails(parsed.error, ["config"]);
    throw new HttpError(400, "validation_error", "config after merge is invalid; nothing changed", details);
  }
  requireServable(symbol, parsed.data);
  return { symbol, ...parsed.data };
}

export const modelRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) => {
    const rows = await listBots(db(c.env), c.var.userId);
    return c.json({ models: rows.map(toBot) }, 200);
  })
  .openapi(create, async (c) => {
    const body = c.req.valid("json");
    // Without an ensemble in the request, the bot starts with its symbol's (not the generic default).
    const raw = (await c.req.json().catch(() => null)) as { config?: { ensemble?: unknown } } | null;
    const config =
      raw?.config?.ensemble === undefined
        ? { ...body.config, ensemble: { models: symbolMarket(body.symbol).default_ensemble } }
        : body.config;
    requireServable(body.symbol, config);
    const row = await insertBot(db(c.env), c.var.userId, body.name, { symbol: body.symbol, ...config });
    c.var.log.info("bot created", { botId: row.id });
    return c.json(toBot(row), 201);
  })
  .openapi(get, async (c) => {
    const row = await getBot(db(c.env), c.var.userId, c.req.valid("param").id);
    if (!row) throw notFound("bot");
    return c.json(toBot(row), 200);
  })
  .openapi(patch, async (c) => {
    const d = db(c.env);
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const row = await getBot(d, c.var.userId, id);
    if (!row) throw notFound("bot");
    const config = mergedConfig(parseStoredConfig(row), body.symbol ?? row.symbol, body.config);
    const updated = await replaceBot(d, c.var.userId, row, body.name ?? row.name, config);
    if (!updated) {
      if (!(await getBot(d, c.var.userId, id))) throw notFound("bot");
      throw new HttpError(409, "conflict", "bot changed while updating; read it again and retry");
    }
    c.var.log.info("bot updated", { botId: id });
    return c.json(toBot(updated), 200);
  })
  .openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await deleteBot(db(c.env), c.var.userId, id))) throw notFound("bot");
    c.var.log.info("bot deleted", { botId: id });
    return c.body(null, 204);
  })
  .openapi(toggle("activate"), async (c) => {
    const row = await setBotActive(db(c.env), c.var.userId, c.req.valid("param").id, true);
    if (!row) throw notFound("bot");
    c.var.log.info("bot activated", { botId: row.id });
    const latest = await userObject(c.env, c.var.userId).latestBacktest(c.var.userId, row.id);
    const summary = latest.ok ? BacktestWindowSchema.parse(latest.backtest.report.summary) : null;
    const warnings = !summary
      ? ["no backtest yet: run POST /api/v1/ml/models/{id}/backtest to see how this bot would have traded"]
      : summary.metrics.beatsBuyAndHold
        ? []
        : [
            `the latest backtest loses to buy-and-hold: ${(summary.metrics.totalReturn * 100).toFixed(2)}% vs ${(summary.metrics.buyAndHold.totalReturn * 100).toFixed(2)}%`,
          ];
    return c.json({ ...toBot(row), backtest: summary, warnings }, 200);
  })
  .openapi(toggle("deactivate"), async (c) => {
    const row = await setBotActive(db(c.env), c.var.userId, c.req.valid("param").id, false);
    if (!row) throw notFound("bot");
    c.var.log.info("bot deactivated", { botId: row.id });
    return c.json(toBot(row), 200);
  });
