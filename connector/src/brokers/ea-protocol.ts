import { z } from "zod";
import { TimeframeSchema } from "../../../core/market/timeframes";

/**
 * The Expert Advisor's TCP JSON-lines protocol (docs/CONNECTOR_PROTOCOL.md, part 2). The connector
 * listens on 127.0.0.1; the EA (or the simulated terminal) connects. One JSON object per line.
 * Requests (connector -> EA) are FLAT objects (string/number values only) so the EA's MQL5 parser
 * stays small; responses and events may nest. Tickets are decimal strings, times epoch ms.
 */
export const EA_PROTOCOL_VERSION = 2;
export const MAX_EA_LINE_BYTES = 4 * 1024 * 1024;

const ReqId = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/);
const Ticket = z.string().regex(/^\d{1,20}$/);
/** Brokers' symbol names carry suffixes and prefixes: EURUSD.m, EURUSD+, GER40!, #AAPL, US30.cash. */
const Sym = z.string().regex(/^[A-Za-z0-9._#:+!$&-]{1,40}$/);
const Side = z.enum(["BUY", "SELL"]);
const Vol = z.number().finite().positive();
/** Stop levels on the wire: 0 means "none" (MT5's own convention). */
const Level = z.number().finite().nonnegative();
/** Local epoch ms after which the EA must not send the request to the trade server (answers "expired"). */
const Deadline = z.number().int().positive();
/** ENUM_ORDER_TYPE_FILLING, chosen by the connector from the symbol's SYMBOL_FILLING_MODE. */
export const EaFillingSchema = z.enum(["FOK", "IOC", "RETURN"]);
export type EaFilling = z.infer<typeof EaFillingSchema>;

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
  filling: EaFillingSchema,
  deadline_ms: Deadline,
});
export const EaCloseRequest = z.strictObject({
  id: ReqId,
  op: z.literal("close"),
  ticket: Ticket,
  /** 0: the whole position. */
  volume: z.number().finite().nonnegative(),
  magic: z.number().int().nonnegative(),
  /** The closing order's comment: the close command's client id (found again in history by it). */
  comment: z.string().max(31),
  deviation: z.number().int().nonnegative(),
  filling: EaFillingSchema,
  deadline_ms: Deadline,
});
/** Absent sl/tp keep the current level; 0 removes it. */
export const EaModifyRequest = z.strictObject({
  id: ReqId,
  op: z.literal("modify"),
  ticket: Ticket,
  sl: Level.optional(),
  tp: Level.optional(),
  deadline_ms: Deadline,
});
/** Active (not yet filled or cancelled) orders: a market order answered PLACED waits here. */
export const EaOrdersRequest = z.strictObject({ id: ReqId, op: z.literal("orders") });
/** The symbol's own trading properties (SymbolInfo*): digits, tick size, volume step, filling modes, levels. */
export const EaSymbolRequest = z.strictObject({ id: ReqId, op: z.literal("symbol"), symbol: Sym });

/** The last `count` CLOSED bars (the forming bar is never sent), oldest first. */
export const MAX_EA_RATES = 5000;
export const EaRatesRequest = z.strictObject({
  id: ReqId,
  op: z.literal("rates"),
  symbol: Sym,
  timeframe: TimeframeSchema,
  count: z.number().int().min(1).max(MAX_EA_RATES),
});
/** From now on, push a `bar_closed` event whenever a bar of symbol/timeframe closes (idempotent). */
export const EaSubscribeBarsRequest = z.strictObject({
  id: ReqId,
  op: z.literal("subscribe_bars"),
  symbol: Sym,
  timeframe: TimeframeSchema,
});
/**
 * A message for the person at the terminal (the object's refusal, e.g. another terminal holds the
 * account): the EA shows it on the chart (Comment) and raises an Alert once per new text; "" clears.
 */
export const MAX_NOTICE_CHARS = 500;
export const EaNoticeRequest = z.strictObject({
  id: ReqId,
  op: z.literal("notice"),
  text: z.string().max(MAX_NOTICE_CHARS),
});

export const EaRequestSchema = z.discriminatedUnion("op", [
  EaRatesRequest,
  EaNoticeRequest,
  EaSubscribeBarsRequest,
  EaPingRequest,
  EaAccountRequest,
  EaPositionsRequest,
  EaHistoryRequest,
  EaOpenRequest,
  EaCloseRequest,
  EaModifyRequest,
  EaOrdersRequest,
  EaSymbolRequest,
]);
export type EaRequest = z.infer<typeof EaRequestSchema>;
export type EaOp = EaRequest["op"];

export const EaPositionSchema = z.object({
  /** POSITION_TICKET: what close/modify name (MqlTradeRequest.position). */
  ticket: Ticket,
  /** POSITION_IDENTIFIER: what its orders and deals carry (DEAL_POSITION_ID); may differ from the ticket. */
  identifier: Ticket,
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
  /** DEAL_POSITION_ID: the position's IDENTIFIER. */
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
export const EaOrderSchema = z.object({
  ticket: Ticket,
  symbol: Sym,
  side: Side,
  /** ENUM_ORDER_STATE, lower case without the prefix: "started", "placed", "partial", ... */
  state: z.string().max(32),
  volume_initial: Vol,
  volume_current: z.number().finite().nonnegative(),
  /** ORDER_POSITION_ID once executed, else "0". */
  position: Ticket,
  time_msc: z.number().int().nonnegative(),
  magic: z.number().int().nonnegative(),
  comment: z.string(),
});
export type EaOrder = z.infer<typeof EaOrderSchema>;
export const EaSymbolInfoSchema = z.object({
  name: Sym,
  digits: z.number().int().min(0).max(12),
  point: z.number().positive(),
  tick_size: z.number().positive(),
  volume_min: Vol,
  volume_max: Vol,
  volume_step: Vol,
  /** SYMBOL_FILLING_MODE flags: 1 FOK, 2 IOC. */
  filling_mode: z.number().int().min(0).max(3),
  /** ENUM_SYMBOL_TRADE_EXECUTION: "request" | "instant" | "market" | "exchange". */
  execution: z.enum(["request", "instant", "market", "exchange"]),
  /** SYMBOL_TRADE_STOPS_LEVEL / SYMBOL_TRADE_FREEZE_LEVEL, in points. */
  stops_level: z.number().int().nonnegative(),
  freeze_level: z.number().int().nonnegative(),
});
export type EaSymbolInfo = z.infer<typeof EaSymbolInfoSchema>;
/**
 * The raw facts of one OrderSend (MqlTradeResult plus what the terminal holds after it). The EA
 * does not judge them: the connector decides done / retry / in doubt from retcode (trade-outcome.ts).
 * `existing`: the EA's own idempotency check found an order, position or deal with this magic and
 * comment, so it sent nothing and these are that one's facts.
 */
export const EaTradeFactsSchema = z.object({
  /** MqlTradeResult.retcode (0: OrderSend returned false without a server answer). */
  retcode: z.number().int().nonnegative(),
  retcode_external: z.number().int().optional(),
  /** MqlTradeResult.comment or the GetLastError() text. */
  server_comment: z.string().max(200).optional(),
  last_error: z.number().int().optional(),
  order: Ticket,
  deal: Ticket,
  /** POSITION_IDENTIFIER and POSITION_TICKET of the position the request opened/changed ("0" unknown). */
  position: Ticket,
  position_ticket: Ticket,
  price: z.number().nonnegative(),
  volume: z.number().nonnegative(),
  /** SL/TP as the terminal holds them after the request (modify: applied, not requested). */
  sl: Level,
  tp: Level,
  time_msc: z.number().int().nonnegative(),
  existing: z.boolean().optional(),
  /** OrderSend calls made (requotes are retried within the EA's bound). */
  attempts: z.number().int().nonnegative().optional(),
});
export type EaTradeFacts = z.infer<typeof EaTradeFactsSchema>;

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
  /** Refusals before any OrderSend: nothing reached the trade server. */
  code: z.enum(["rejected", "not_found", "invalid", "terminal_unavailable", "expired", "internal"]),
  message: z.string(),
  /** MT5 trade server retcode (e.g. 10019 no money) or GetLastError() value, as a string. */
  retcode: z.string().optional(),
});

/** Success payloads by op. */
export const EaOkPayloads = {
  ping: z.object({ time_msc: z.number().int() }),
  account: z.object({
    account: EaAccountSchema,
    terminal_connected: z.boolean(),
    synced: z.boolean(),
    trade_allowed: z.boolean(),
  }),
  // Lists are checked item by item (one unreadable item must not hide the others): unknown here.
  positions: z.object({ synced: z.boolean(), positions: z.array(z.unknown()) }),
  history: z.object({ synced: z.boolean(), deals: z.array(z.unknown()) }),
  orders: z.object({ synced: z.boolean(), orders: z.array(z.unknown()) }),
  symbol: z.object({ info: EaSymbolInfoSchema }),
  open: EaTradeFactsSchema,
  close: EaTradeFactsSchema,
  modify: EaTradeFactsSchema,
  rates: z.object({ bars: z.array(EaBarSchema).max(MAX_EA_RATES) }),
  subscribe_bars: z.object({}),
  notice: z.object({}),
} satisfies Record<EaOp, z.ZodType>;
export type EaOkPayload<Op extends EaOp> = z.infer<(typeof EaOkPayloads)[Op]>;

export const EaResponseSchema = z.union([
  z.object({ id: ReqId, ok: z.literal(true) }).passthrough(),
  z.object({ id: ReqId, ok: z.literal(false), error: EaErrorSchema }),
]);

/** TERMINAL_CONNECTED; synced (see mql5/README.md); trading allowed = TERMINAL_TRADE_ALLOWED && MQL_TRADE_ALLOWED && ACCOUNT_TRADE_EXPERT. */
export const EaTerminalStateSchema = z.object({
  connected: z.boolean(),
  synced: z.boolean(),
  trade_allowed: z.boolean(),
});
export type EaTerminalState = z.infer<typeof EaTerminalStateSchema>;
/** The first line the connector reads from an EA; every line before a valid one is ignored. */
export const EaHelloEvent = z.object({
  event: z.literal("hello"),
  protocol: z.number().int(),
  ea_version: z.string().max(32),
  /** The shared secret from the connector's config (`eaSecret`), as the EA's InpSecret input. */
  secret: z.string().max(256),
  terminal: EaTerminalStateSchema.extend({
    name: z.string().max(128),
    company: z.string().max(128),
    server: z.string().max(128),
    login: z.string().max(64),
    /** ACCOUNT_MARGIN_MODE. */
    margin_mode: z.enum(["hedging", "netting", "exchange"]),
  }),
});
/** Pushed whenever connected / synced / trade_allowed changes. */
export const EaTerminalEvent = EaTerminalStateSchema.extend({ event: z.literal("terminal") });
export const EaPositionsEvent = z.object({
  event: z.literal("positions"),
  synced: z.boolean(),
  positions: z.array(z.unknown()),
});
export const EaDealEvent = z.object({ event: z.literal("deal"), deal: z.unknown() });
export const EaAccountEvent = z.object({
  event: z.literal("account"),
  account: EaAccountSchema,
  terminal_connected: z.boolean(),
  synced: z.boolean(),
  trade_allowed: z.boolean(),
});
export const EaBarClosedEvent = z.object({
  event: z.literal("bar_closed"),
  symbol: Sym,
  timeframe: TimeframeSchema,
  bar: EaBarSchema,
});
export const EaEventSchema = z.discriminatedUnion("event", [
  EaHelloEvent,
  EaTerminalEvent,
  EaPositionsEvent,
  EaDealEvent,
  EaAccountEvent,
  EaBarClosedEvent,
]);
export type EaEvent = z.infer<typeof EaEventSchema>;
export type EaHello = z.infer<typeof EaHelloEvent>;
