import { z } from "zod";
import { TimeframeSchema } from "../../../core/market/timeframes";

/**
 * The Expert Advisor's TCP JSON-lines protocol (docs/CONNECTOR_PROTOCOL.md, part 2). The connector
 * listens on 127.0.0.1; the EA (or the simulated terminal) connects. One JSON object per line.
 * Requests (connector -> EA) are FLAT objects (string/number values only) so the EA's MQL5 parser
 * stays small; responses and events may nest. Tickets are decimal strings, times epoch ms.
 */
export const EA_PROTOCOL_VERSION = 1;
export const MAX_EA_LINE_BYTES = 4 * 1024 * 1024;

const ReqId = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/);
const Ticket = z.string().regex(/^\d{1,20}$/);
const Sym = z.string().regex(/^[A-Za-z0-9._#:-]{1,40}$/);
const Side = z.enum(["BUY", "SELL"]);
const Vol = z.number().finite().positive();
/** Stop levels on the wire: 0 means "none" (MT5's own convention). */
const Level = z.number().finite().nonnegative();

export const EaPingRequest = z.strictObject({ id: ReqId, op: z.literal("ping") });
export const EaAccountRequest = z.strictObject({ id: ReqId, op: z.literal("account") });
export const EaPositionsRequest = z.strictObject({ id: ReqId, op: z.literal("positions") });
export const EaHistoryRequest = z.strictObject({
  id: ReqId,
  op: z.literal("history"),
  from_ms: z.number().int().nonnegative(),
  /** 0: any magic. */
  magic: z.number().int().nonnegative(),
  /** "" or "0": any position. */
  position: z.string().regex(/^\d{0,20}$/),
});
export const EaOpenRequest = z.strictObject({
  id: ReqId,
  op: z.literal("open"),
  symbol: Sym,
  side: Side,
  volume: Vol,
  sl: Level,
  tp: Level,
  magic: z.number().int().positive(),
  comment: z.string().max(31),
  deviation: z.number().int().nonnegative(),
});
export const EaCloseRequest = z.strictObject({
  id: ReqId,
  op: z.literal("close"),
  ticket: Ticket,
  /** 0: the whole position. */
  volume: z.number().finite().nonnegative(),
  magic: z.number().int().nonnegative(),
  deviation: z.number().int().nonnegative(),
});
/** Absent sl/tp keep the current level; 0 removes it. */
export const EaModifyRequest = z.strictObject({ id: ReqId, op: z.literal("modify"), ticket: Ticket, sl: Level.optional(), tp: Level.optional() });

/** The last `count` CLOSED bars (the forming bar is never sent), oldest first. */
export const MAX_EA_RATES = 5000;
export const EaRatesRequest = z.strictObject({ id: ReqId, op: z.literal("rates"), symbol: Sym, timeframe: TimeframeSchema, count: z.number().int().min(1).max(MAX_EA_RATES) });
/** From now on, push a `bar_closed` event whenever a bar of symbol/timeframe closes (idempotent). */
export const EaSubscribeBarsRequest = z.strictObject({ id: ReqId, op: z.literal("subscribe_bars"), symbol: Sym, timeframe: TimeframeSchema });

export const EaRequestSchema = z.discriminatedUnion("op", [
  EaRatesRequest,
  EaSubscribeBarsRequest,
  EaPingRequest,
  EaAccountRequest,
  EaPositionsRequest,
  EaHistoryRequest,
  EaOpenRequest,
  EaCloseRequest,
  EaModifyRequest,
]);
export type EaRequest = z.infer<typeof EaRequestSchema>;
export type EaOp = EaRequest["op"];

export const EaPositionSchema = z.object({
  ticket: Ticket,
  symbol: Sym,
  side: Side,
  volume: Vol,
  open_price: z.number().positive(),
  current_price: z.number().nonnegative(),
  sl: Level,
  tp: Level,
  profit: z.number(),
  swap: z.number(),
  time_msc: z.number().int().nonnegative(),
  magic: z.number().int().nonnegative(),
  comment: z.string(),
});
export const EaDealSchema = z.object({
  ticket: Ticket,
  order: Ticket,
  position: Ticket,
  symbol: Sym,
  side: Side,
  entry: z.enum(["in", "out", "inout", "out_by"]),
  volume: Vol,
  price: z.number().positive(),
  profit: z.number(),
  time_msc: z.number().int().nonnegative(),
  magic: z.number().int().nonnegative(),
  comment: z.string(),
});
export const EaAccountSchema = z.object({
  login: z.string(),
  server: z.string(),
  company: z.string(),
  currency: z.string(),
  balance: z.number(),
  equity: z.number(),
  margin: z.number(),
  free_margin: z.number(),
  leverage: z.number().int().nonnegative(),
});
/** One bar as the EA sends it: time = bar OPEN in epoch ms UTC (the EA removes the server's offset). */
export const EaBarSchema = z.object({
  time: z.number().int().nonnegative(),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  tick_volume: z.number().nonnegative(),
});
export type EaBar = z.infer<typeof EaBarSchema>;
export type EaPosition = z.infer<typeof EaPositionSchema>;
export type EaDeal = z.infer<typeof EaDealSchema>;
export type EaAccount = z.infer<typeof EaAccountSchema>;

export const EaErrorSchema = z.object({
  code: z.enum(["rejected", "not_found", "invalid", "terminal_unavailable", "internal"]),
  message: z.string(),
  /** MT5 trade server retcode (e.g. 10019 no money) or GetLastError() value, as a string. */
  retcode: z.string().optional(),
});

/** Success payloads by op. */
export const EaOkPayloads = {
  ping: z.object({ time_msc: z.number().int() }),
  account: z.object({ account: EaAccountSchema, terminal_connected: z.boolean() }),
  positions: z.object({ positions: z.array(EaPositionSchema) }),
  history: z.object({ deals: z.array(EaDealSchema) }),
  open: z.object({ ticket: Ticket, order: Ticket, deal: Ticket, price: z.number().positive(), volume: Vol, time_msc: z.number().int() }),
  close: z.object({ deal: Ticket, price: z.number().positive(), volume: Vol, time_msc: z.number().int() }),
  modify: z.object({ sl: Level, tp: Level }),
  rates: z.object({ bars: z.array(EaBarSchema).max(MAX_EA_RATES) }),
  subscribe_bars: z.object({}),
} satisfies Record<EaOp, z.ZodType>;
export type EaOkPayload<Op extends EaOp> = z.infer<(typeof EaOkPayloads)[Op]>;

export const EaResponseSchema = z.union([
  z.object({ id: ReqId, ok: z.literal(true) }).passthrough(),
  z.object({ id: ReqId, ok: z.literal(false), error: EaErrorSchema }),
]);

export const EaHelloEvent = z.object({
  event: z.literal("hello"),
  protocol: z.number().int(),
  ea_version: z.string(),
  terminal: z.object({
    name: z.string(),
    company: z.string(),
    server: z.string(),
    login: z.string(),
    connected: z.boolean(),
    trade_allowed: z.boolean(),
  }),
});
export const EaPositionsEvent = z.object({ event: z.literal("positions"), positions: z.array(EaPositionSchema) });
export const EaDealEvent = z.object({ event: z.literal("deal"), deal: EaDealSchema });
export const EaAccountEvent = z.object({ event: z.literal("account"), account: EaAccountSchema, terminal_connected: z.boolean() });
export const EaBarClosedEvent = z.object({ event: z.literal("bar_closed"), symbol: Sym, timeframe: TimeframeSchema, bar: EaBarSchema });
export const EaEventSchema = z.discriminatedUnion("event", [EaHelloEvent, EaPositionsEvent, EaDealEvent, EaAccountEvent, EaBarClosedEvent]);
export type EaEvent = z.infer<typeof EaEventSchema>;
export type EaHello = z.infer<typeof EaHelloEvent>;
