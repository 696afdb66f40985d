// POST /ml/models/{id}/backtest runs the core backtester on the bot in the caller's own object (its
// models through the object's ORT, history up to the market clock) and stores the result there;
// GET /ml/models/{id}/backtests/latest reads it back (its trades as CSV with ?format=csv). Another
// user's bot id is a 404.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  type BacktestOutcome,
  BacktestRequestSchema,
  type StoredBacktest,
  StoredBacktestSchema,
} from "../../core/backtest/api";
import { BacktestTradeSchema } from "../../core/backtest/schema";
import { csvColumns } from "../../core/export/csv";
import { onePage } from "../../core/export/pages";
import { ExportQuerySchema } from "../../core/protocol/portfolio-api";
import { userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { csvDownload, wantsCsv } from "../lib/csv-export";
import { HttpError } from "../lib/http-error";
import { errorResponse, jsonOrCsvResponse, jsonResponse } from "../lib/openapi-schemas";
import { validationHook } from "../middleware/errors";

const common = { tags: ["ml/models"], middleware: [...authed], security: bearerSecurity };
const IdParams = z.object({ id: z.string().min(1).max(64) });
const ResponseSchema = z.object({ backtest: StoredBacktestSchema });
const ok = (description: string) => jsonResponse(description, ResponseSchema);
const BACKTEST_TRADE_COLUMNS = csvColumns(BacktestTradeSchema);
const errors = {
  401: errorResponse("Missing, expired or invalid access token"),
  404: errorResponse("No such bot for this user (or no backtest yet)"),
  429: errorResponse("Too many requests"),
};

const run = createRoute({
  ...common,
  method: "post",
  path: "/ml/models/{id}/backtest",
  summary:
    "Backtest the bot with its active models, strategy, risk and paper fills (next-bar open, spread, commission, conservative intrabar SL/TP); stored as its latest backtest",
  request: {
    params: IdParams,
    body: { required: false, content: { "application/json": { schema: BacktestRequestSchema } } },
  },
  responses: {
    200: ok("The backtest: summary metrics vs buy-and-hold, walk-forward windows, trades, equity curve"),
    400: errorResponse("Invalid body or window"),
    422: errorResponse("The bot can't be backtested (symbol without stored history, timeframe not buildable)"),
    ...errors,
  },
});

const latest = createRoute({
  ...common,
  method: "get",
  path: "/ml/models/{id}/backtests/latest",
  summary: "The bot's latest stored backtest (CSV: its trades)",
  request: { params: IdParams, query: ExportQuerySchema },
  responses: { 200: jsonOrCsvResponse("The latest backtest", ResponseSchema), ...errors },
});

/** RPC typing widens tuples (the equity curve), so the result comes in loosely typed and is parsed here. */
type RpcOutcome = { ok: true; backtest: unknown } | Exclude<BacktestOutcome, { ok: true }>;

function unwrap(r: RpcOutcome): StoredBacktest {
  // Parsing restores the exact type and checks the object kept the contract.
  if (r.ok) return StoredBacktestSchema.parse(r.backtest);
  if (r.code === "not_found") throw new HttpError(404, "not_found", r.message);
  if (r.code === "bad_request") throw new HttpError(400, "bad_request", r.message);
  throw new HttpError(422, "bad_request", r.message);
}

export const backtestRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(run, async (c) => {
    const { id } = c.req.valid("param");
    // No body means the defaults.
    const body = BacktestRequestSchema.parse(c.req.valid("json") ?? {});
    const r = await userObject(c.env, c.var.userId).runBacktest(c.var.userId, id, body);
    const backtest = unwrap(r);
    c.var.log.info("backtest stored", { botId: id, trades: backtest.report.summary.metrics.trades });
    return c.json({ backtest }, 200);
  })
  .openapi(latest, async (c) => {
    const { id } = c.req.valid("param");
    const backtest = unwrap(await userObject(c.env, c.var.userId).latestBacktest(c.var.userId, id));
    if (wantsCsv(c, c.req.valid("query").format)) {
      return csvDownload(`backtest-${id}.csv`, BACKTEST_TRADE_COLUMNS, onePage(backtest.report.trades));
    }
    return c.json({ backtest }, 200);
  });
