import { z } from "zod";
import {
  AccountViewSchema,
  ActivityKindSchema,
  PositionViewSchema,
  TradeStatusSchema,
  TradeViewSchema,
} from "./events";
import { OrderIntentInputSchema } from "./orders";

// Requests and responses of the portfolio, trading and auto-trading endpoints (worker/routes/
// portfolio.ts, trading.ts, auto-trading.ts). Times are epoch ms.

const ms = z.number().int();

export const PortfolioStatusSchema = z.object({
  account: AccountViewSchema,
  positions: z.array(PositionViewSchema),
  as_of: ms.nullable().describe("market time of the newest quote the marks use"),
});
export type PortfolioStatus = z.infer<typeof PortfolioStatusSchema>;

export const PositionsResponseSchema = z.object({ positions: z.array(PositionViewSchema) });

/**
 * `?format=csv` (or `Accept: text/csv`) on a list route streams every row its filters match as CSV,
 * whole (no page limit, no cursor); the JSON answer is unchanged.
 */
export const ExportFormatSchema = z
  .enum(["json", "csv"])
  .optional()
  .describe("csv: every matching row as a CSV download (limit and cursor do not apply)");
export const ExportQuerySchema = z.object({ format: ExportFormatSchema });

export const TradesHistoryQuerySchema = z
  .object({
    format: ExportFormatSchema,
    bot_id: z.string().min(1).max(64).optional(),
    symbol: z
      .string()
      .regex(/^[A-Za-z0-9._#-]{1,32}$/)
      .optional(),
    status: TradeStatusSchema.optional(),
    from: z.coerce.number().int().nonnegative().optional().describe("created_at >= from (epoch ms)"),
    to: z.coerce.number().int().nonnegative().optional().describe("created_at < to (epoch ms)"),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z
      .string()
      .regex(/^\d+:[A-Za-z0-9-]+$/, "cursor from a previous page")
      .optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    message: "from must be before to",
    path: ["from"],
  });
export const TradesHistoryResponseSchema = z.object({
  trades: z.array(TradeViewSchema),
  next_cursor: z.string().nullable().describe("pass as cursor for the next (older) page; null at the end"),
});
export type TradesHistoryResponse = z.infer<typeof TradesHistoryResponseSchema>;

export const DailyRowSchema = z.object({
  day: z.string().describe("YYYY-MM-DD (UTC, by close time)"),
  pnl: z.number(),
  trades: z.number().int(),
  wins: z.number().int(),
  losses: z.number().int(),
  equity: z.number().describe("cumulative realized P&L at the end of the day"),
});
export const AnalyticsDailyQuerySchema = z.object({ days: z.coerce.number().int().min(1).max(366).default(30) });
export const AnalyticsDailyResponseSchema = z.object({
  days: z.array(DailyRowSchema),
  totals: z.object({
    net_pnl: z.number(),
    trades: z.number().int(),
    win_rate: z.number().nullable().describe("wins / closed trades; null with none"),
    max_drawdown: z.number().describe("largest peak-to-trough fall of cumulative realized P&L (>= 0)"),
    sharpe: z.number().nullable().describe("mean/stdev of daily P&L x sqrt(252); null with < 2 days or zero stdev"),
    exposure: z.number().describe("share of the period's time with at least one position open, 0..1"),
  }),
});
export type AnalyticsDailyResponse = z.infer<typeof AnalyticsDailyResponseSchema>;

export const ActivitiesQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  format: ExportFormatSchema,
});
export const ActivityViewSchema = z.object({
  id: z.string(),
  seq: z.number().int(),
  type: ActivityKindSchema,
  message: z.string(),
  bot_id: z.string().nullable(),
  data: z.record(z.string(), z.unknown()).nullable(),
  created_at: ms,
  expires_at: ms,
});
export type ActivityView = z.infer<typeof ActivityViewSchema>;
export const ActivitiesResponseSchema = z.object({ activities: z.array(ActivityViewSchema) });

/** POST /trade: the shared order intent, plus where to execute (paper by default). */
export const ManualTradeRequestSchema = OrderIntentInputSchema.extend({
  target: z.enum(["paper", "connector"]).default("paper"),
  /** The order is this bot's: its gates (max open, cooldown, daily limit) apply and it goes to the bot's target. */
  bot_id: z.string().min(1).max(64).optional(),
  /** Place it even though a gate blocks it; recorded on the trade (override: true) and in the activity feed. */
  override: z.boolean().optional(),
});
/** POST ml/models/{id}/execute: an optional body. */
export const ExecutePlanRequestSchema = z.strictObject({
  /** Execute even though a gate blocks it (recorded on the trade). */
  override: z.boolean().optional(),
});
export type ExecutePlanRequest = z.infer<typeof ExecutePlanRequestSchema>;
export type ManualTradeRequest = z.infer<typeof ManualTradeRequestSchema>;

export const ExecutionResultSchema = z.object({
  /** `invalid`: refused before anything happened (e.g. SL/TP outside the band); nothing recorded. */
  /** `conflict`: the client order id was used for a different order; nothing happened. */
  status: z.enum(["filled", "pending", "rejected", "error", "duplicate", "invalid", "conflict"]),
  trade: TradeViewSchema.nullable(),
  reason: z.string().nullable(),
});
export type ExecutionResult = z.infer<typeof ExecutionResultSchema>;

export const CycleOutcomeSchema = z.enum(["traded", "skipped", "duplicate", "error", "pending"]);
export const CycleResultSchema = z.object({
  bot_id: z.string(),
  outcome: CycleOutcomeSchema,
  reason: z.string(),
  bar_time: ms.nullable(),
  trade_id: z.string().nullable(),
});
export type CycleResult = z.infer<typeof CycleResultSchema>;
export const TriggerResponseSchema = z.object({ results: z.array(CycleResultSchema) });

export const BotRunStatusSchema = z.object({
  bot_id: z.string(),
  name: z.string(),
  symbol: z.string(),
  active: z.boolean(),
  cadence_minutes: z.number().int(),
  last_started_at: ms.nullable(),
  last_finished_at: ms.nullable(),
  last_result: CycleOutcomeSchema.nullable(),
  last_reason: z.string().nullable(),
  last_bar_time: ms.nullable(),
  next_due_at: ms.nullable(),
  paused: z
    .object({
      protection: z.enum(["stoploss_guard", "max_drawdown", "daily_loss_limit"]),
      until: ms.describe("entries may open again from this time (the bot's market time)"),
      message: z.string(),
    })
    .nullable()
    .describe("a protection pausing the bot's new entries now (exits still run), or null"),
});
export type BotRunStatus = z.infer<typeof BotRunStatusSchema>;
export const AutoTradingStatusSchema = z.object({ bots: z.array(BotRunStatusSchema) });

export const HealthProblemSchema = z.object({
  bot_id: z.string().nullable(),
  check: z.enum(["stale", "stuck", "outbox_backlog", "outbox_dead", "unhealthy_models", "last_error"]),
  message: z.string(),
});
export const AutoTradingHealthSchema = z.object({
  status: z.enum(["healthy", "degraded", "idle"]).describe("idle: no active bots"),
  checked_at: ms,
  active_bots: z.number().int(),
  outbox: z.object({ pending: z.number().int(), dead: z.number().int(), oldest_age_ms: z.number().nullable() }),
  problems: z.array(HealthProblemSchema),
});
export type AutoTradingHealth = z.infer<typeof AutoTradingHealthSchema>;

export const ActiveBotSchema = z.object({
  bot_id: z.string(),
  name: z.string(),
  symbol: z.string(),
  target: z.enum(["paper", "connector"]),
  last_result: CycleOutcomeSchema.nullable(),
  last_reason: z.string().nullable(),
  next_due_at: ms.nullable(),
  open_positions: z.number().int(),
  unrealized_pnl: z.number(),
  trades_today: z.number().int(),
});
export type ActiveBot = z.infer<typeof ActiveBotSchema>;
export const ActiveBotsResponseSchema = z.object({ bots: z.array(ActiveBotSchema) });
