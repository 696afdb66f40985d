import { z } from "zod";
import { ConnectorStatusViewSchema } from "./connector-status";
import { PredictionSchema } from "./prediction";
import { TrainingEventDataSchemas } from "./training";

/**
 * Browser events of one user. Every event carries the user's monotonically increasing `seq`
 * (kept in the user's object), so a socket that reconnects with `?since=<seq>` gets exactly what
 * it missed. Trades and positions travel in the same snake_case views as the REST API.
 */
const side = z.enum(["BUY", "SELL"]);
const ms = z.number().int();

export const TradeStatusSchema = z.enum(["pending", "open", "closed", "rejected", "error", "canceled"]);
/** One closing fill of a trade: a partial close, or the last close. The trade's pnl is the sum of its legs' pnl. */
export const TradeLegSchema = z.object({
  volume: z.number().positive(),
  price: z.number(),
  commission: z
    .number()
    .describe("commission charged for this leg (its share of the opening commission + the close's)"),
  pnl: z.number().describe("net of this leg's commission, account currency"),
  reason: z.string(),
  at: ms,
});
export type TradeLeg = z.infer<typeof TradeLegSchema>;
export const TradeViewSchema = z.object({
  id: z.string(),
  bot_id: z.string().nullable(),
  client_order_id: z.string(),
  symbol: z.string(),
  side,
  volume: z.number(),
  entry_price: z.number().nullable(),
  exit_price: z.number().nullable(),
  stop_loss: z.number().nullable(),
  take_profit: z.number().nullable(),
  status: TradeStatusSchema,
  target: z.enum(["paper", "connector"]),
  broker_ticket: z.string().nullable(),
  pnl: z.number().nullable().describe("net of commission, account currency; null while open"),
  commission: z.number(),
  reason: z.string().nullable().describe("reject/error reason, or close reason (sl, tp, trailing, ...)"),
  opened_at: ms.nullable(),
  closed_at: ms.nullable(),
  created_at: ms,
  /** Closing fills so far (partial closes, then the final close); absent before the first. */
  legs: z.array(TradeLegSchema).optional(),
  /** Placed by hand past a gate that blocked it (max open, cooldown, daily limit): the user said override. */
  override: z.boolean().optional(),
});
export type TradeView = z.infer<typeof TradeViewSchema>;

export const PositionViewSchema = z.object({
  id: z.string(),
  trade_id: z.string().nullable(),
  bot_id: z.string().nullable(),
  symbol: z.string(),
  side,
  volume: z.number(),
  entry_price: z.number(),
  stop_loss: z.number().nullable(),
  take_profit: z.number().nullable(),
  current_price: z.number().nullable(),
  unrealized_pnl: z.number(),
  /** duplicate: a second fill of one of our orders at the broker (flagged, never adopted; close it). */
  source: z.enum(["bot", "manual", "terminal", "duplicate"]),
  broker_ticket: z.string().nullable(),
  /** source "duplicate": the client order id this position is a second fill of. */
  duplicate_of: z.string().optional(),
  status: z.enum(["open", "closed"]),
  opened_at: ms,
  updated_at: ms,
});
export type PositionView = z.infer<typeof PositionViewSchema>;

export const AccountViewSchema = z.object({
  currency: z.string(),
  balance: z.number(),
  equity: z.number(),
  unrealized_pnl: z.number(),
  margin_used: z.number(),
  free_margin: z.number(),
  margin_level: z.number().nullable(),
  open_positions: z.number().int(),
  daily_pnl: z.number().describe("realized today (UTC, market clock) net of commission"),
});
export type AccountView = z.infer<typeof AccountViewSchema>;

export const ActivityKindSchema = z.enum(["cycle", "skip", "prediction", "trade", "close", "error", "info"]);
export const ActivityDataSchema = z.object({
  id: z.string(),
  kind: ActivityKindSchema,
  bot_id: z.string().nullable(),
  message: z.string(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type ActivityData = z.infer<typeof ActivityDataSchema>;

export const BotStatusSchema = z.object({
  bot_id: z.string(),
  state: z.enum(["running", "idle", "error"]),
  last_result: z.string().nullable(),
  last_reason: z.string().nullable(),
  next_due_at: ms.nullable(),
});

/** One schema per event type: the data each carries. */
export const EventDataSchemas = {
  trade: TradeViewSchema,
  signal: z.object({
    bot_id: z.string(),
    symbol: z.string(),
    direction: z.enum(["BUY", "SELL", "HOLD"]),
    confidence: z.number(),
    bar_time: ms,
    actionable: z.boolean(),
    reason: z.string(),
  }),
  position_updated: PositionViewSchema,
  position_closed: PositionViewSchema.extend({ exit_price: z.number(), pnl: z.number(), close_reason: z.string() }),
  portfolio_update: AccountViewSchema,
  POSITIONS_UPDATED: z.object({ positions: z.array(PositionViewSchema) }),
  ML_PREDICTION_GENERATED: PredictionSchema,
  AUTO_TRADE_EXECUTED: z.object({ bot_id: z.string(), bar_time: ms, trade: TradeViewSchema }),
  TRADE_ERROR: z.object({
    bot_id: z.string().nullable(),
    client_order_id: z.string(),
    code: z.string(),
    message: z.string(),
  }),
  STATUS_UPDATE: BotStatusSchema,
  activity: ActivityDataSchema,
  /** The user's connector: online/offline, terminal connected, broker balance/equity. */
  CONNECTOR_STATUS: ConnectorStatusViewSchema,
  // Training on the edge (durable-objects/training): progress, done, failed.
  ...TrainingEventDataSchemas,
} as const;
export type EventType = keyof typeof EventDataSchemas;
export type EventData<T extends EventType> = z.infer<(typeof EventDataSchemas)[T]>;
export const EVENT_TYPES = Object.keys(EventDataSchemas) as EventType[];

const eventOf = <T extends EventType>(type: T) =>
  z.object({ seq: z.number().int().positive(), type: z.literal(type), at: ms, data: EventDataSchemas[type] });

export const UserEventSchema = z.discriminatedUnion("type", [
  eventOf("trade"),
  eventOf("signal"),
  eventOf("position_updated"),
  eventOf("position_closed"),
  eventOf("portfolio_update"),
  eventOf("POSITIONS_UPDATED"),
  eventOf("ML_PREDICTION_GENERATED"),
  eventOf("AUTO_TRADE_EXECUTED"),
  eventOf("TRADE_ERROR"),
  eventOf("STATUS_UPDATE"),
  eventOf("activity"),
  eventOf("CONNECTOR_STATUS"),
  eventOf("TRAINING_PROGRESS"),
  eventOf("TRAINING_DONE"),
  eventOf("TRAINING_FAILED"),
]);
export type UserEvent = z.infer<typeof UserEventSchema>;

/** Sent instead of a replay when `since` is older than the bounded log: reload state over REST. */
export const ResyncRequiredSchema = z.object({
  type: z.literal("resync_required"),
  since: z.number().int(),
  oldest_seq: z.number().int().describe("oldest seq still in the log"),
  latest_seq: z.number().int(),
  /**
   * Sent to a connected browser when events it had not acked had to go (the log's hard cap): the
   * event types it missed, i.e. exactly which state to reload over REST. Absent: reload everything.
   */
  reload: z.array(z.string()).optional(),
});
export type ResyncRequired = z.infer<typeof ResyncRequiredSchema>;

/** `?since=` on /ws: the last seq the client saw (0 = replay whatever the log holds). */
export const SinceParamSchema = z.coerce.number().int().nonnegative();
