import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { and, desc, eq, gt, gte, isNotNull, isNull, lt, or } from "drizzle-orm";
import type { z } from "zod";
import { summarize } from "../../core/analytics/daily";
import { csvColumns } from "../../core/export/csv";
import { mapPages, onePage, pagesOf } from "../../core/export/pages";
import {
  type ActivityKindSchema,
  PositionViewSchema,
  type TradeView,
  TradeViewSchema,
} from "../../core/protocol/events";
import {
  ActivitiesQuerySchema,
  ActivitiesResponseSchema,
  type ActivityView,
  ActivityViewSchema,
  AnalyticsDailyQuerySchema,
  AnalyticsDailyResponseSchema,
  ExportQuerySchema,
  PortfolioStatusSchema,
  PositionsResponseSchema,
  TradesHistoryQuerySchema,
  TradesHistoryResponseSchema,
} from "../../core/protocol/portfolio-api";
import { db } from "../../platform/db/client";
import { activities, trades } from "../../platform/db/schema";
import type { Env } from "../../platform/env";
import { userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { csvDownload, wantsCsv } from "../lib/csv-export";
import { errorResponse, jsonOrCsvResponse, jsonResponse } from "../lib/openapi-schemas";
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
  request: { query: ExportQuerySchema },
  responses: { 200: jsonOrCsvResponse("Positions", PositionsResponseSchema), ...authErrors },
});
const history = createRoute({
  ...common,
  method: "get",
  path: "/trades/history",
  summary: "Trades, newest first, with filters and a cursor",
  request: { query: TradesHistoryQuerySchema },
  responses: {
    200: jsonOrCsvResponse("A page of trades (CSV: every matching trade)", TradesHistoryResponseSchema),
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
    200: jsonOrCsvResponse("Activities", ActivitiesResponseSchema),
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
  .openapi(positionsRoute, async (c) => {
    const positions = await userObject(c.env, c.var.userId).openPositions(c.var.userId);
    if (wantsCsv(c, c.req.valid("query").format))
      return csvDownload("positions.csv", POSITION_COLUMNS, onePage(positions));
    return c.json({ positions }, 200);
  })
  .openapi(history, async (c) => {
    const q = c.req.valid("query");
    if (wantsCsv(c, q.format)) {
      const pages = pagesOf<TradeRow>(EXPORT_PAGE, (after) =>
        tradesPage(c.env, c.var.userId, q, EXPORT_PAGE, after && { createdAt: after.createdAt, id: after.id }),
      );
      return csvDownload("trades.csv", TRADE_COLUMNS, mapPages(pages, tradeView));
    }
    const rows = await tradesPage(c.env, c.var.userId, q, q.limit + 1, q.cursor ? parseCursor(q.cursor) : undefined);
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
    // Paper trades on a replayed market are dated in its (replay) time: their window ends at that
    // market's now, so the demo's days line up with its bars; everything else ends at the wall clock.
    const wall = Date.now();
    const clocks = await userObject(c.env, c.var.userId).replayClocks(c.var.userId);
    const span = days * 86_400_000;
    const windowEnd = (r: { target: string; symbol: string }) =>
      r.target === "paper" ? (clocks[r.symbol] ?? wall) : wall;
    const earliest = Math.min(wall, ...Object.values(clocks)) - span;
    const rows = (
      await db(c.env)
        .select({
          openedAt: trades.openedAt,
          closedAt: trades.closedAt,
          pnl: trades.pnl,
          target: trades.target,
          symbol: trades.symbol,
        })
        .from(trades)
        .where(
          and(
            eq(trades.userId, c.var.userId),
            isNotNull(trades.openedAt),
            or(isNull(trades.closedAt), gte(trades.closedAt, earliest)),
          ),
        )
    ).filter((r) => r.closedAt === null || r.closedAt >= windowEnd(r) - span);
    // One clock in use (the usual case): exactly its window; several: the span covering them.
    const ends = rows.length ? rows.map(windowEnd) : [wall];
    const to = Math.max(...ends, ...rows.map((r) => (r.closedAt ?? 0) + 1));
    return c.json(summarize(rows, { from: Math.min(...ends) - span, to }), 200);
  })
  .openapi(recent, async (c) => {
    const { limit, format } = c.req.valid("query");
    const now = Date.now();
    if (wantsCsv(c, format)) {
      const pages = pagesOf<ActivityRow>(EXPORT_PAGE, (after) =>
        activitiesPage(c.env, c.var.userId, now, EXPORT_PAGE, after?.seq),
      );
      return csvDownload("activities.csv", ACTIVITY_COLUMNS, mapPages(pages, activityView));
    }
    const rows = await activitiesPage(c.env, c.var.userId, now, limit);
    return c.json({ activities: rows.map(activityView) }, 200);
  });

/** Rows per D1 read while an export streams. */
const EXPORT_PAGE = 500;
const TRADE_COLUMNS = csvColumns(TradeViewSchema);
const POSITION_COLUMNS = csvColumns(PositionViewSchema);
const ACTIVITY_COLUMNS = csvColumns(ActivityViewSchema);

type TradeFilters = z.infer<typeof TradesHistoryQuerySchema>;
type Cursor = { createdAt: number; id: string };
const parseCursor = (cursor: string): Cursor => {
  const i = cursor.indexOf(":");
  return { createdAt: Number(cursor.slice(0, i)), id: cursor.slice(i + 1) };
};

/** Trades of the user matching the list filters, newest first, after `cursor`. */
function tradesPage(env: Env, userId: string, q: TradeFilters, limit: number, cursor?: Cursor): Promise<TradeRow[]> {
  const conds = [eq(trades.userId, userId)];
  if (q.bot_id) conds.push(eq(trades.botId, q.bot_id));
  if (q.symbol) conds.push(eq(trades.symbol, q.symbol));
  if (q.status) conds.push(eq(trades.status, q.status));
  if (q.from !== undefined) conds.push(gte(trades.createdAt, q.from));
  if (q.to !== undefined) conds.push(lt(trades.createdAt, q.to));
  if (cursor)
    conds.push(
      or(
        lt(trades.createdAt, cursor.createdAt),
        and(eq(trades.createdAt, cursor.createdAt), lt(trades.id, cursor.id)),
      )!,
    );
  return db(env)
    .select()
    .from(trades)
    .where(and(...conds))
    .orderBy(desc(trades.createdAt), desc(trades.id))
    .limit(limit);
}

type ActivityRow = typeof activities.$inferSelect;
/** The user's unexpired activities, newest first, below sequence `beforeSeq`. */
function activitiesPage(env: Env, userId: string, now: number, limit: number, beforeSeq?: number) {
  const conds = [eq(activities.userId, userId), gt(activities.expiresAt, now)];
  if (beforeSeq !== undefined) conds.push(lt(activities.seq, beforeSeq));
  return db(env)
    .select()
    .from(activities)
    .where(and(...conds))
    .orderBy(desc(activities.seq))
    .limit(limit);
}

function activityView(r: ActivityRow): ActivityView {
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
}
