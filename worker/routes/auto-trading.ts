import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  ActiveBotsResponseSchema,
  AutoTradingHealthSchema,
  AutoTradingStatusSchema,
  TriggerResponseSchema,
} from "../../core/protocol/portfolio-api";
import type { BotInfo } from "../../platform/bots/bot-ref";
import { type BotRow, listBots, parseStoredConfig } from "../../platform/bots/store";
import { db } from "../../platform/db/client";
import { userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { errorResponse, jsonResponse } from "../lib/openapi-schemas";
import { validationHook } from "../middleware/errors";

const common = { tags: ["auto-trading"], middleware: [...authed], security: bearerSecurity };
const authErrors = {
  401: errorResponse("Missing, expired or invalid access token"),
  429: errorResponse("Too many requests"),
};

const trigger = createRoute({
  ...common,
  method: "post",
  path: "/ml/auto-trading/trigger",
  summary: "Run a cycle now for every active bot (same per-bar idempotency as cron)",
  responses: { 200: jsonResponse("One result per active bot", TriggerResponseSchema), ...authErrors },
});
const status = createRoute({
  ...common,
  method: "get",
  path: "/ml/auto-trading/status",
  summary: "Per bot: last run, last result or skip reason, next due",
  responses: { 200: jsonResponse("Status", AutoTradingStatusSchema), ...authErrors },
});
const health = createRoute({
  ...common,
  method: "get",
  path: "/ml/auto-trading/health",
  summary: "Stale and stuck cycles, outbox backlog, unhealthy models (measured, never assumed)",
  responses: { 200: jsonResponse("Health", AutoTradingHealthSchema), ...authErrors },
});
const activeBots = createRoute({
  ...common,
  method: "get",
  path: "/ml/dashboard/active-bots",
  summary: "Active bots with their last result, positions and trades today",
  responses: { 200: jsonResponse("Active bots", ActiveBotsResponseSchema), ...authErrors },
});

const info = (r: BotRow): BotInfo => {
  const config = parseStoredConfig(r);
  return {
    id: r.id,
    name: r.name,
    symbol: r.symbol,
    active: r.active,
    cadence: config.execution.cadenceMinutes,
    target: r.target,
    updatedAt: r.updatedAt,
    protections: config.protections,
  };
};

export const autoTradingRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(trigger, async (c) => {
    const results = await userObject(c.env, c.var.userId).runCycles({
      userId: c.var.userId,
      firedAt: Date.now(),
      force: true,
    });
    return c.json({ results }, 200);
  })
  .openapi(status, async (c) => {
    const bots = (await listBots(db(c.env), c.var.userId)).map(info);
    return c.json({ bots: await userObject(c.env, c.var.userId).autoTradingStatus(c.var.userId, bots) }, 200);
  })
  .openapi(health, async (c) => {
    const bots = (await listBots(db(c.env), c.var.userId)).filter((b) => b.active).map(info);
    return c.json(await userObject(c.env, c.var.userId).autoTradingHealth(c.var.userId, bots), 200);
  })
  .openapi(activeBots, async (c) => {
    const bots = (await listBots(db(c.env), c.var.userId)).filter((b) => b.active).map(info);
    return c.json({ bots: await userObject(c.env, c.var.userId).activeBotsView(c.var.userId, bots) }, 200);
  });
