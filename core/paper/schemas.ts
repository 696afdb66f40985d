import { z } from "zod";
import { InstrumentSpecSchema } from "../instruments/spec";

const price = z.number().finite().positive();
const money = z.number().finite();
const time = z.number().int().nonnegative(); // ms since epoch, UTC
const side = z.enum(["BUY", "SELL"]);

/** A price to fill at: a mid with a spread (default: the symbol's), or an explicit bid/ask. */
export const PriceInputSchema = z.union([
  z.object({ mid: price, spreadPoints: z.number().finite().nonnegative().optional() }),
  z.object({ bid: price, ask: price }).refine((q) => q.ask >= q.bid, { message: "ask below bid" }),
]);
export type PriceInput = z.infer<typeof PriceInputSchema>;

/** A closed bar of MID prices; `time` stamps every fill inside it (its open time). */
export const BarSchema = z
  .object({
    symbol: z.string(),
    time,
    open: price,
    high: price,
    low: price,
    close: price,
    /** This bar's spread in points (MT5 bars carry one); absent: the engine's setting. */
    spreadPoints: z.number().finite().nonnegative().optional(),
  })
  .refine((b) => b.low <= Math.min(b.open, b.close) && b.high >= Math.max(b.open, b.close), {
    message: "bar OHLC inconsistent",
  });
export type Bar = z.infer<typeof BarSchema>;

export const TickSchema = z
  .object({ symbol: z.string(), time, bid: price, ask: price })
  .refine((t) => t.ask >= t.bid, { message: "ask below bid" });
export type Tick = z.infer<typeof TickSchema>;

/** `signal`: an exit rule or the opposite signal closed it; `time`: the bot's time exit. */
export const CloseReasonSchema = z.enum(["sl", "tp", "trailing", "breakeven", "manual", "signal", "time"]);
export type CloseReason = z.infer<typeof CloseReasonSchema>;
export const ModifyReasonSchema = z.enum(["trailing", "breakeven", "manual"]);
export type ModifyReason = z.infer<typeof ModifyReasonSchema>;
/** Who last placed the SL: decides whether an SL hit is reported as sl, trailing or breakeven. */
export const SlSourceSchema = z.enum(["initial", "manual", "trailing", "breakeven"]);

export const TrailingConfigSchema = z.object({
  distancePoints: z.number().int().positive(),
  activationPoints: z.number().int().nonnegative().nullable(),
});
export const BreakevenConfigSchema = z.object({
  triggerPoints: z.number().int().positive(),
  lockPoints: z.number().int().nonnegative(),
  done: z.boolean(),
});
export type TrailingConfig = z.infer<typeof TrailingConfigSchema>;
export type BreakevenConfig = z.infer<typeof BreakevenConfigSchema>;

export const PositionSchema = z.object({
  id: z.string(),
  seq: z.number().int().positive(),
  clientOrderId: z.string(),
  symbol: z.string(),
  side,
  volume: z.number().positive(),
  entryPrice: price,
  openTime: time,
  sl: price.nullable(),
  tp: price.nullable(),
  slSource: SlSourceSchema,
  trailing: TrailingConfigSchema.nullable(),
  breakeven: BreakevenConfigSchema.nullable(),
  /** Commission already charged on open (account currency). */
  commissionOpen: money,
  /** Margin reserved at open (account currency, fixed for the position's life). */
  margin: money,
  comment: z.string().nullable(),
});
export type Position = z.infer<typeof PositionSchema>;

const eventBase = {
  seq: z.number().int().positive(),
  time,
  positionId: z.string(),
  clientOrderId: z.string(),
  symbol: z.string(),
  side,
};
export const OpenedEventSchema = z.object({
  type: z.literal("opened"),
  ...eventBase,
  volume: z.number().positive(),
  price,
  sl: price.nullable(),
  tp: price.nullable(),
  commission: money,
  margin: money,
  balance: money,
  comment: z.string().nullable(),
});
export const ClosedEventSchema = z.object({
  type: z.literal("closed"),
  ...eventBase,
  volume: z.number().positive(),
  entryPrice: price,
  exitPrice: price,
  reason: CloseReasonSchema,
  /** Price P&L in account currency, before commission. */
  grossPnl: money,
  /** Commission charged on this close. */
  commission: money,
  /** Open + close commission (a partial close: its share of the opening commission + this close's). */
  totalCommission: money,
  /** grossPnl - totalCommission: this close's realized result (a partial close: this leg's). */
  netPnl: money,
  balance: money,
  /** Set on a partial close: the volume still open (this event's volume, entry share of commission, is the leg's). */
  remainingVolume: z.number().positive().optional(),
});
export const ModifiedEventSchema = z.object({
  type: z.literal("modified"),
  ...eventBase,
  sl: price.nullable(),
  tp: price.nullable(),
  previousSl: price.nullable(),
  previousTp: price.nullable(),
  reason: ModifyReasonSchema,
});
export const PaperEventSchema = z.discriminatedUnion("type", [
  OpenedEventSchema,
  ClosedEventSchema,
  ModifiedEventSchema,
]);
export type OpenedEvent = z.infer<typeof OpenedEventSchema>;
export type ClosedEvent = z.infer<typeof ClosedEventSchema>;
export type ModifiedEvent = z.infer<typeof ModifiedEventSchema>;
export type PaperEvent = z.infer<typeof PaperEventSchema>;

export const RejectReasonSchema = z.enum([
  "invalid_order",
  "unknown_symbol",
  "invalid_volume",
  "invalid_stops",
  "no_conversion_rate",
  "insufficient_margin",
  "unknown_position",
  "no_price",
]);
export type RejectReason = z.infer<typeof RejectReasonSchema>;

export const OrderResultSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("filled"),
    clientOrderId: z.string(),
    positionId: z.string(),
    event: OpenedEventSchema,
  }),
  z.object({
    status: z.literal("rejected"),
    clientOrderId: z.string().nullable(),
    reason: RejectReasonSchema,
    message: z.string(),
    details: z.record(z.string(), z.number()).optional(),
  }),
]);
export type OrderResult = z.infer<typeof OrderResultSchema>;

export const PaperSettingsSchema = z.object({
  accountCurrency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default("USD"),
  initialBalance: z.number().finite().positive(),
  /** Adverse slippage on every market fill and stop fill, in points. */
  slippagePoints: z.number().finite().nonnegative().default(0),
  /** Per-symbol spread override in points (else the instrument's default). */
  spreadPoints: z.record(z.string(), z.number().finite().nonnegative()).default({}),
  /** Specs of the symbols this account may trade (default: the shipped catalog). */
  instruments: z.record(z.string(), InstrumentSpecSchema).optional(),
  /** How many client order ids are remembered for idempotency (open positions' ids are never forgotten). */
  maxRememberedOrders: z.number().int().positive().default(1000),
});
export type PaperSettingsInput = z.input<typeof PaperSettingsSchema>;

export const PaperStateSchema = z.object({
  version: z.literal(1),
  settings: PaperSettingsSchema.required({ instruments: true }),
  balance: money,
  /** Realized account-currency change per UTC day "YYYY-MM-DD" (P&L net of commission). */
  dailyRealized: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), money),
  positions: z.array(PositionSchema),
  orders: z.array(z.object({ clientOrderId: z.string(), result: OrderResultSchema })),
  lastQuotes: z.record(z.string(), z.object({ bid: price, ask: price, time })),
  nextPositionSeq: z.number().int().positive(),
  nextEventSeq: z.number().int().positive(),
});
export type PaperState = z.infer<typeof PaperStateSchema>;
