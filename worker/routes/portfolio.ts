import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { and, desc, eq, gt, gte, isNotNull, isNull, lt, or } from "drizzle-orm";
import type { z } from "zod";
import { summarize } from "../../core/analytics/daily";
import type { ActivityKindSchema, TradeView } from "../../core/protocol/events";
import {
  ActivitiesQuerySchema,
  ActivitiesResponseSchema,
  AnalyticsDailyQuerySchema,
  AnalyticsDailyResponseSchema,
  PortfolioStatusSchema,
  PositionsResponseSchema,
  TradesHistoryQuerySchema,
  TradesHistoryResponseSchema,
} from "../../core/protocol/portfolio-api";
import { db } from "../../platform/db/client";
import { activities, trades } from "../../platform/db/schema";
import { userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { errorResponse, jsonResponse } from "../lib/openapi-schemas";
import { validationHook } from "../middleware/errors";

// Portfolio reads. Live state (account, open positions with marks) comes from the user's object;
// history (trades, activities, analytics) from D1, every query scoped by the verified user id.

const common = { tags: ["portfolio"], middleware: [...authed], security: bearerSecurity };
const authErrors = {
  401: errorResponse("Missing, expired or invalid access token"),
  429: errorResponse("Too many requests"),
};

const status = createRoute({
  ...common,
  method: "get",
  path: "/portfolio/status",
  summary: "Paper account and open positions, marked to the current price",
  responses: { 200: jsonResponse("Account", PortfolioStatusSchema), ...authErrors },
});
const positionsRoute = createRoute({
  ...common,
  method: "get",
  path: "/positions",
  summary: "Open positions",
  responses: { 200: jsonResponse("Positions", PositionsResponseSchema), ...authErrors },
});
const history = createRoute({
  ...common,
  method: "get",
  path: "/trades/history",
  summary: "Trades, newest first, with filters and a cursor",
  request: { query: TradesHistoryQuerySchema },
  responses: {
    200: jsonResponse("A page of trades", TradesHistoryResponseSchema),
    400: errorResponse("Invalid filter or cursor"),
    ...authErrors,
  },
});
const daily = createRoute({
  ...common,
  method: "get",
  path: "/analytics/daily",
  summary: "Daily realized P&L, drawdown, win rate, exposure and Sharpe over the last `days` days",
  request: { query: AnalyticsDailyQuerySchema },
  responses: {
    200: jsonResponse("Analytics", AnalyticsDailyResponseSchema),
    400: errorResponse("Invalid query"),
    ...authErrors,
  },
});
const recent = createRoute({
  ...common,
  method: "get",
  path: "/activities/recent",
  summary: "The activity feed of the last 24 hours, newest first",
  request: { query: ActivitiesQuerySchema },
  responses: {
    200: jsonResponse("Activities", ActivitiesResponseSchema),
    400: errorResponse("Invalid query"),
    ...authErrors,
  },
});

type TradeRow = typeof trades.$inferSelect;
export function tradeView(r: TradeRow): TradeView {
  return {
    id: r.id,
    bot_id: r.botId,
    client_order_id: r.clientOrderId,
    symbol: r.symbol,
    side: r.side,
    volume: r.volume,
    entry_price: r.entryPrice,
    exit_price: r.exitPrice,
    stop_loss: r.stopLoss,
    take_profit: r.takeProfit,
    status: r.status,
    target: r.target,
    broker_ticket: r.brokerTicket,
    pnl: r.pnl,
    commission: r.commission,
    reason: r.reason,
    opened_at: r.openedAt,
    closed_at: r.closedAt,
    created_at: r.createdAt,
    ...(r.legs ? { legs: r.legs } : {}),
    ...(r.override ? { override: true } : {}),
  };
}

export const portfolioRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(status, async (c) => c.json(await userObject(c.env, c.var.userId).portfolio(c.var.userId), 200))
  .openapi(positionsRoute, async (c) =>
    c.json({ positions: await userObject(c.env, c.var.userId).openPositions(c.var.userId) }, 200),
  )
  .openapi(history, async (c) => {
    const q = c.req.valid("query");
    const conds = [eq(trades.userId, c.var.userId)];
    if (q.bot_id) conds.push(eq(trades.botId, q.bot_id));
    if (q.symbol) conds.push(eq(trades.symbol, q.symbol));
    if (q.status) conds.push(eq(trades.status, q.status));
    if (q.from !== undefined) conds.push(gte(trades.createdAt, q.from));
    if (q.to !== undefined) conds.push(lt(trades.createdAt, q.to));
    if (q.cursor) {
      const i = q.cursor.indexOf(":");
      const t = Number(q.cursor.slice(0, i));
      const id = q.cursor.slice(i + 1);
      conds.push(or(lt(trades.createdAt, t), and(eq(trades.createdAt, t), lt(trades.id, id)))!);
    }
    const rows = await db(c.env)
      .select()
      .from(trades)
      .where(and(...conds))
      .orderBy(desc(trades.createdAt), desc(trades.id))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return c.json(
      {
        trades: page.map(tradeView),
        next_cursor: rows.length > q.limit && last ? `${last.createdAt}:${last.id}` : null,
      },
      200,
    );
  })
  .openapi(daily, async (c) => {
    const { days } = c.req.valid("query");
    const to = Date.now();
    const from = to - days * 86_400_000;
    const rows = await db(c.env)
      .select({ openedAt: trades.openedAt, closedAt: trades.closedAt, pnl: trades.pnl })
      .from(trades)
      .where(
        and(
          eq(trades.userId, c.var.userId),
          isNotNull(trades.openedAt),
          or(isNull(trades.closedAt), gte(trades.closedAt, from)),
        ),
      );
    return c.json(summarize(rows, { from, to }), 200);
  })
  .openapi(recent, async (c) => {
    const { limit } = c.req.valid("query");
    const rows = await db(c.env)
      .select()
      .from(activities)
      .where(and(eq(activities.userId, c.var.userId), gt(activities.expiresAt, Date.now())))
      .orderBy(desc(activities.seq))
      .limit(limit);
    return c.json(
      {
        activities: rows.map((r) => {
          const data = (r.data ?? null) as Record<string, unknown> | null;
          return {
            id: r.id,
            seq: r.seq,
            type: r.type as z.infer<typeof ActivityKindSchema>,
            message: r.message,
            bot_id: typeof data?.["bot_id"] === "string" ? data["bot_id"] : null,
            data,
            created_at: r.createdAt,
            expires_at: r.expiresAt,
          };
        }),
      },
      200,
    );
  });
