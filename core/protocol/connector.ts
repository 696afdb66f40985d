import { z } from "zod";
import { BarClosedSchema, RatesRequestSchema, RatesResponseSchema } from "./market-data";
import { ClientOrderIdSchema, TradeSideSchema } from "./orders";

/**
 * Frames on the connector socket (user's object <-> connector), one JSON object per frame with a
 * `type`. docs/CONNECTOR_PROTOCOL.md is the prose version both sides follow. All times are epoch ms
 * UTC; tickets are decimal strings (MT5 tickets are 64-bit, JSON numbers are not).
 */
export const CONNECTOR_PROTOCOL_VERSION = 1;
/** Largest frame either side accepts (a 5000-bar RATES_RESPONSE is ~0.5 MB). */
export const MAX_CONNECTOR_FRAME_BYTES = 2 * 1024 * 1024;

const Id = z.string().min(1).max(128);
const Time = z.number().int().nonnegative();
const Price = z.number().finite().positive();
const Lots = z.number().finite().positive().max(10_000);
const Money = z.number().finite();
/** MT5 symbols may carry suffixes (EURUSD.m, EURUSD+, GER40!) or prefixes (#AAPL). */
export const TradeSymbolSchema = z
  .string()
  .regex(/^[A-Za-z0-9._#:+!$&-]{1,40}$/, "symbol: 1-40 of A-Z a-z 0-9 . _ # : + ! $ & -");
/** Accepts a decimal string or a safe integer, always yields the string. */
export const TicketSchema = z
  .union([
    z.string().regex(/^\d{1,20}$/, "ticket: decimal digits"),
    z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  ])
  .transform(String);
/** On a modify: a price sets the level, null removes it, absent keeps it. */
const StopLevel = Price.nullable().optional();

export const BrokerKindSchema = z.enum(["mt5", "paper"]);
export type BrokerKind = z.infer<typeof BrokerKindSchema>;

// ---------------------------------------------------------------- shared shapes

export const AccountInfoSchema = z.object({
  login: z.string().max(64).optional(),
  server: z.string().max(128).optional(),
  company: z.string().max(128).optional(),
  currency: z.string().max(16),
  balance: Money,
  equity: Money,
  margin: Money,
  free_margin: Money,
  leverage: z.number().int().nonnegative().optional(),
});
export type AccountInfo = z.infer<typeof AccountInfoSchema>;

export const BrokerPositionSchema = z.object({
  ticket: TicketSchema,
  symbol: TradeSymbolSchema,
  side: TradeSideSchema,
  volume: Lots,
  open_price: Price,
  current_price: Price.optional(),
  sl: Price.nullable(),
  tp: Price.nullable(),
  profit: Money,
  swap: Money.optional(),
  opened_at: Time,
  /** The client id it was opened with (from comment + magic); null for positions opened by hand. */
  client_order_id: ClientOrderIdSchema.nullable(),
  magic: z.number().int().nonnegative(),
  comment: z.string().max(64),
  /** True when no client id of ours matches: opened by hand in the terminal or by another EA. */
  manual: z.boolean(),
});
export type BrokerPosition = z.infer<typeof BrokerPositionSchema>;

export const DealEntrySchema = z.enum(["in", "out", "inout", "out_by"]);
export const BrokerDealSchema = z.object({
  ticket: TicketSchema,
  order: TicketSchema.optional(),
  position_ticket: TicketSchema,
  symbol: TradeSymbolSchema,
  side: TradeSideSchema,
  entry: DealEntrySchema,
  volume: Lots,
  price: Price,
  profit: Money,
  time: Time,
  client_order_id: ClientOrderIdSchema.nullable(),
  magic: z.number().int().nonnegative(),
  comment: z.string().max(64),
});
export type BrokerDeal = z.infer<typeof BrokerDealSchema>;

export const TerminalInfoSchema = z.object({
  connected: z.boolean(),
  name: z.string().max(128).optional(),
  company: z.string().max(128).optional(),
  server: z.string().max(128).optional(),
  login: z.string().max(64).optional(),
  ea_version: z.string().max(32).optional(),
  trade_allowed: z.boolean().optional(),
  /** The terminal has synced its positions/orders/history with the trade server since it (re)connected. */
  synced: z.boolean().optional(),
  /** ACCOUNT_MARGIN_MODE: only hedging accounts are traded (a netting account nets bot orders against each other). */
  margin_mode: z.enum(["hedging", "netting", "exchange"]).optional(),
});
export type TerminalInfo = z.infer<typeof TerminalInfoSchema>;

export const TradeErrorCodeSchema = z.enum([
  "expired", // refused: arrived (or came due) after expires_at
  "terminal_unavailable", // no terminal/EA to send it to; nothing was sent
  "rejected", // the broker refused it (broker_code says why)
  "not_found", // no such position
  "invalid", // the command is well-formed but cannot apply (e.g. volume below the symbol minimum)
  "internal",
]);
export const TradeErrorSchema = z.object({
  code: TradeErrorCodeSchema,
  message: z.string().max(500),
  /** Broker's own code, e.g. an MT5 retcode "10019". */
  broker_code: z.string().max(32).optional(),
});
export type TradeError = z.infer<typeof TradeErrorSchema>;

// ---------------------------------------------------------------- session

export const AuthSchema = z.object({
  type: z.literal("AUTH"),
  token: z.string().min(1).max(256),
  connector_version: z.string().min(1).max(32),
  protocol_version: z.number().int().positive(),
  broker: BrokerKindSchema,
  terminal: TerminalInfoSchema.nullable(),
});
export const AuthOkSchema = z.object({
  type: z.literal("AUTH_OK"),
  /** The object's clock: the connector measures its skew from this and judges expires_at with it. */
  server_time: Time,
  session_id: z.string().max(128).optional(),
  heartbeat_ms: z.number().int().positive().optional(),
});
export const AuthErrorSchema = z.object({
  type: z.literal("AUTH_ERROR"),
  /** terminal_conflict: another terminal (broker server + login) is connected for this account; see `terminal`. */
  code: z.enum(["invalid_token", "revoked", "protocol_version", "rate_limited", "terminal_conflict", "internal"]),
  message: z.string().max(500),
  /** false: retrying with the same token is pointless (the connector exits). */
  retry: z.boolean(),
  /** terminal_conflict: the terminal that holds the account (for the person at the refused one). */
  terminal: z.object({ server: z.string().max(128), login: z.string().max(64) }).optional(),
  /** With retry:true, the earliest time worth trying again. */
  retry_after_ms: z.number().int().nonnegative().optional(),
});
export const PingSchema = z.object({ type: z.literal("PING"), id: z.string().max(64).optional(), ts: Time });
export const PongSchema = z.object({ type: z.literal("PONG"), id: z.string().max(64).optional(), ts: Time });

// ---------------------------------------------------------------- commands (object -> connector)

const CommandBase = {
  command_id: Id,
  client_order_id: ClientOrderIdSchema,
  /** Absolute deadline (object clock): a command that arrives later is refused with "expired". */
  expires_at: Time,
  /**
   * When the object first sent this command (object clock); a re-send carries the original time, so
   * a terminal can refuse a command that has been travelling too long. Absent on older objects.
   */
  first_sent_at: Time.optional(),
};
const volumeInput = { volume: Lots.optional(), lot_size: Lots.optional() };

/** `volume` or its alias `lot_size` (equal if both), normalised to `volume`. */
function normaliseVolume<T extends { volume?: number | undefined; lot_size?: number | undefined }>(
  v: T,
  ctx: z.RefinementCtx,
  required: boolean,
): Omit<T, "lot_size"> & { volume?: number } {
  const { lot_size, ...rest } = v;
  if (v.volume !== undefined && lot_size !== undefined && v.volume !== lot_size) {
    ctx.addIssue({ code: "custom", message: "volume and lot_size disagree", path: ["lot_size"] });
  } else if (required && v.volume === undefined && lot_size === undefined) {
    ctx.addIssue({ code: "custom", message: "volume (or lot_size) is required", path: ["volume"] });
  }
  const volume = v.volume ?? lot_size;
  return volume === undefined ? rest : { ...rest, volume };
}

function checkStopsSides(
  side: "BUY" | "SELL",
  sl: number | null | undefined,
  tp: number | null | undefined,
  ctx: z.RefinementCtx,
) {
  if (sl != null && tp != null && !(side === "BUY" ? sl < tp : sl > tp)) {
    ctx.addIssue({
      code: "custom",
      message: `${side} needs sl ${side === "BUY" ? "below" : "above"} tp`,
      path: ["sl"],
    });
  }
}

export const TradeActionSchema = z.enum(["OPEN", "BUY", "SELL", "CLOSE", "MODIFY"]);

/** The generic command of the seeds: one frame for every action. */
export const TradeCommandSchema = z
  .object({
    type: z.literal("TRADE_COMMAND"),
    ...CommandBase,
    action: TradeActionSchema,
    side: TradeSideSchema.optional(),
    symbol: TradeSymbolSchema.optional(),
    ...volumeInput,
    sl: StopLevel,
    tp: StopLevel,
    ticket: TicketSchema.optional(),
  })
  .superRefine((c, ctx) => {
    const opens = c.action === "OPEN" || c.action === "BUY" || c.action === "SELL";
    if (opens) {
      if (!c.symbol) ctx.addIssue({ code: "custom", message: `${c.action} needs symbol`, path: ["symbol"] });
      const side = c.action === "BUY" || c.action === "SELL" ? c.action : c.side;
      if (c.action === "OPEN" && !c.side) ctx.addIssue({ code: "custom", message: "OPEN needs side", path: ["side"] });
      if (c.action !== "OPEN" && c.side && c.side !== c.action)
        ctx.addIssue({ code: "custom", message: "side disagrees with action", path: ["side"] });
      if (side) checkStopsSides(side, c.sl, c.tp, ctx);
    } else {
      if (!c.ticket) ctx.addIssue({ code: "custom", message: `${c.action} needs ticket`, path: ["ticket"] });
      if (c.action === "MODIFY" && c.sl === undefined && c.tp === undefined) {
        ctx.addIssue({ code: "custom", message: "MODIFY needs sl or tp", path: ["sl"] });
      }
    }
  })
  .transform((c, ctx) => normaliseVolume(c, ctx, c.action === "OPEN" || c.action === "BUY" || c.action === "SELL"));

export const TradeOpenSchema = z
  .object({
    type: z.literal("TRADE_OPEN"),
    ...CommandBase,
    side: TradeSideSchema,
    symbol: TradeSymbolSchema,
    ...volumeInput,
    sl: Price.nullable().optional(),
    tp: Price.nullable().optional(),
  })
  .superRefine((c, ctx) => checkStopsSides(c.side, c.sl, c.tp, ctx))
  .transform((c, ctx) => normaliseVolume(c, ctx, true));

export const TradeCloseSchema = z
  .object({ type: z.literal("TRADE_CLOSE"), ...CommandBase, ticket: TicketSchema, ...volumeInput })
  .transform((c, ctx) => normaliseVolume(c, ctx, false)); // no volume: close it all

export const TradeModifySchema = z
  .object({ type: z.literal("TRADE_MODIFY"), ...CommandBase, ticket: TicketSchema, sl: StopLevel, tp: StopLevel })
  .refine((c) => c.sl !== undefined || c.tp !== undefined, { message: "TRADE_MODIFY needs sl or tp", path: ["sl"] });

export const UpdateSlSchema = z.object({
  type: z.literal("UPDATE_SL"),
  ...CommandBase,
  ticket: TicketSchema,
  sl: Price,
});

export const MoveBreakevenSchema = z.object({
  type: z.literal("MOVE_BREAKEVEN"),
  ...CommandBase,
  ticket: TicketSchema,
  /** Price distance beyond entry to lock in (BUY: entry + offset, SELL: entry - offset). */
  offset: z.number().finite().nonnegative().default(0),
});

/** Drops results/updates (by their `id`) from the connector's journal. */
export const AckSchema = z.object({ type: z.literal("ACK"), ids: z.array(Id).min(1).max(1000) });
export const SyncRequestSchema = z.object({ type: z.literal("SYNC_REQUEST"), request_id: Id.optional() });
export const GetPositionsSchema = z.object({ type: z.literal("GET_POSITIONS"), request_id: Id.optional() });
export const GetAccountSchema = z.object({ type: z.literal("GET_ACCOUNT"), request_id: Id.optional() });

// ---------------------------------------------------------------- reports (connector -> object)

/** The answer to every command. Re-sent (same `id`) until ACKed; a repeated command gets it again. */
export const TradeResultSchema = z.object({
  type: z.literal("TRADE_RESULT"),
  /** Message id for ACK: "res:" + command_id, so a re-send is recognisable. */
  id: Id,
  command_id: Id,
  client_order_id: ClientOrderIdSchema,
  action: z.enum(["OPEN", "CLOSE", "MODIFY"]),
  ok: z.boolean(),
  ticket: TicketSchema.optional(),
  symbol: TradeSymbolSchema.optional(),
  side: TradeSideSchema.optional(),
  price: Price.optional(),
  volume: Lots.optional(),
  sl: Price.nullable().optional(),
  tp: Price.nullable().optional(),
  error: TradeErrorSchema.optional(),
  executed_at: Time,
  /** Found at the broker by client id after an interrupted attempt, not sent again. */
  recovered: z.boolean().optional(),
});

/** A failed command, for the browser (the TRADE_RESULT stays the authoritative answer). */
export const TradeErrorFrameSchema = z.object({
  type: z.literal("TRADE_ERROR"),
  id: Id,
  command_id: Id.optional(),
  client_order_id: ClientOrderIdSchema.optional(),
  symbol: TradeSymbolSchema.optional(),
  action: z.enum(["OPEN", "CLOSE", "MODIFY"]).optional(),
  error: TradeErrorSchema,
  at: Time,
});

export const PositionsUpdateSchema = z.object({
  type: z.literal("POSITIONS_UPDATE"),
  id: Id,
  request_id: Id.optional(),
  reason: z.enum(["change", "request"]),
  positions: z.array(BrokerPositionSchema).max(5000),
  at: Time,
  /**
   * false: the terminal was not connected and synced when the list was read, so an empty or short
   * list says nothing about closes; the object ignores it. Absent (older connectors): trusted.
   */
  terminal_connected: z.boolean().optional(),
  /** Broker items the connector could not read (left out): the list is then incomplete and proves no close. */
  unreadable: z.number().int().nonnegative().optional(),
});

export const StatusUpdateSchema = z.object({
  type: z.literal("STATUS_UPDATE"),
  request_id: Id.optional(),
  broker: BrokerKindSchema,
  connector_version: z.string().max(32),
  terminal_connected: z.boolean(),
  account: AccountInfoSchema.nullable(),
  /** Results/updates waiting for an ACK. */
  unacked: z.number().int().nonnegative(),
  at: Time,
  /** The terminal as it is now (an EA that linked after AUTH, e.g. its margin mode); null without one. */
  terminal: TerminalInfoSchema.nullable().optional(),
});

export const SyncResponseSchema = z.object({
  type: z.literal("SYNC_RESPONSE"),
  /** Absent on the snapshot the connector sends by itself after every (re)connect. */
  request_id: Id.optional(),
  reason: z.enum(["request", "reconnect"]),
  broker: BrokerKindSchema,
  terminal_connected: z.boolean(),
  account: AccountInfoSchema.nullable(),
  positions: z.array(BrokerPositionSchema).max(5000),
  /** Recent deals (newest last) so the object can reconcile closes it did not see. */
  deals: z.array(BrokerDealSchema).max(5000),
  at: Time,
  /** As on POSITIONS_UPDATE: positions the connector could not read; the list proves no close. */
  unreadable: z.number().int().nonnegative().optional(),
  /** As on STATUS_UPDATE. */
  terminal: TerminalInfoSchema.nullable().optional(),
});

/** A frame that could not be accepted; sent by either side, changes nothing. */
export const ConnectorErrorSchema = z.object({
  type: z.literal("ERROR"),
  /** rate_limited: over the socket's frame budget; unknown_command: a TRADE_RESULT for a command_id the object never sent. */
  code: z.enum([
    "bad_frame",
    "too_large",
    "not_authenticated",
    "unsupported",
    "rate_limited",
    "unknown_command",
    "internal",
  ]),
  message: z.string().max(1000),
  /** The offending frame's type and id when they could be read. */
  ref_type: z.string().max(64).optional(),
  ref_id: z.string().max(128).optional(),
  details: z.unknown().optional(),
});

// ---------------------------------------------------------------- unions

// Each schema is listed once; the unions are built from these groups so the three cannot drift.
/** Frames only the object sends. */
const OBJECT_ONLY_FRAMES = [
  AuthOkSchema,
  AuthErrorSchema,
  TradeCommandSchema,
  TradeOpenSchema,
  TradeCloseSchema,
  TradeModifySchema,
  UpdateSlSchema,
  MoveBreakevenSchema,
  AckSchema,
  SyncRequestSchema,
  GetPositionsSchema,
  GetAccountSchema,
  RatesRequestSchema,
] as const;

/** Frames only the connector sends. */
const CONNECTOR_ONLY_FRAMES = [
  AuthSchema,
  TradeResultSchema,
  TradeErrorFrameSchema,
  PositionsUpdateSchema,
  StatusUpdateSchema,
  SyncResponseSchema,
  RatesResponseSchema,
  BarClosedSchema,
] as const;

/** PING, PONG and ERROR travel both ways. */
const TWO_WAY_FRAMES = [PingSchema, PongSchema, ConnectorErrorSchema] as const;

export const ObjectToConnectorFrameSchema = z.discriminatedUnion("type", [...OBJECT_ONLY_FRAMES, ...TWO_WAY_FRAMES]);

export const ConnectorToObjectFrameSchema = z.discriminatedUnion("type", [...CONNECTOR_ONLY_FRAMES, ...TWO_WAY_FRAMES]);

/** Every frame in either direction. */
export const ConnectorFrameSchema = z.discriminatedUnion("type", [
  ...OBJECT_ONLY_FRAMES,
  ...CONNECTOR_ONLY_FRAMES,
  ...TWO_WAY_FRAMES,
]);

export type Auth = z.infer<typeof AuthSchema>;
export type AuthOk = z.infer<typeof AuthOkSchema>;
export type AuthError = z.infer<typeof AuthErrorSchema>;
export type Ping = z.infer<typeof PingSchema>;
export type Pong = z.infer<typeof PongSchema>;
export type TradeCommand = z.infer<typeof TradeCommandSchema>;
export type TradeOpen = z.infer<typeof TradeOpenSchema>;
export type TradeClose = z.infer<typeof TradeCloseSchema>;
export type TradeModify = z.infer<typeof TradeModifySchema>;
export type UpdateSl = z.infer<typeof UpdateSlSchema>;
export type MoveBreakeven = z.infer<typeof MoveBreakevenSchema>;
export type Ack = z.infer<typeof AckSchema>;
export type SyncRequest = z.infer<typeof SyncRequestSchema>;
export type GetPositions = z.infer<typeof GetPositionsSchema>;
export type GetAccount = z.infer<typeof GetAccountSchema>;
export type TradeResult = z.infer<typeof TradeResultSchema>;
export type TradeErrorFrame = z.infer<typeof TradeErrorFrameSchema>;
export type PositionsUpdate = z.infer<typeof PositionsUpdateSchema>;
export type StatusUpdate = z.infer<typeof StatusUpdateSchema>;
export type SyncResponse = z.infer<typeof SyncResponseSchema>;
export type ConnectorError = z.infer<typeof ConnectorErrorSchema>;
export type ObjectToConnectorFrame = z.infer<typeof ObjectToConnectorFrameSchema>;
export type ConnectorToObjectFrame = z.infer<typeof ConnectorToObjectFrameSchema>;
export type ConnectorFrame = z.infer<typeof ConnectorFrameSchema>;
/** Frames that carry a command to execute. */
export type CommandFrame = Extract<
  ObjectToConnectorFrame,
  { type: "TRADE_COMMAND" | "TRADE_OPEN" | "TRADE_CLOSE" | "TRADE_MODIFY" | "UPDATE_SL" | "MOVE_BREAKEVEN" }
>;
export const COMMAND_TYPES = [
  "TRADE_COMMAND",
  "TRADE_OPEN",
  "TRADE_CLOSE",
  "TRADE_MODIFY",
  "UPDATE_SL",
  "MOVE_BREAKEVEN",
] as const;

export type ParsedFrame<T> = { ok: true; frame: T } | { ok: false; error: Omit<ConnectorError, "type"> };

/**
 * Parses one socket frame against a union (default: every connector frame). On failure returns
 * what the ERROR frame should say, including the offending frame's type/id when readable.
 */
export function parseConnectorFrame<S extends z.ZodType = typeof ConnectorFrameSchema>(
  text: string,
  schema?: S,
): ParsedFrame<z.output<S>> {
  if (utf8Exceeds(text, MAX_CONNECTOR_FRAME_BYTES)) {
    return { ok: false, error: { code: "too_large", message: `frame over ${MAX_CONNECTOR_FRAME_BYTES} bytes` } };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: { code: "bad_frame", message: "not JSON" } };
  }
  const refs = frameRefs(raw);
  const result = (schema ?? ConnectorFrameSchema).safeParse(raw);
  if (result.success) return { ok: true, frame: result.data as z.output<S> };
  const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  return {
    ok: false,
    error: {
      code: "bad_frame",
      message: issues[0] ? `${issues[0].path || "frame"}: ${issues[0].message}` : "invalid frame",
      ...refs,
      details: issues,
    },
  };
}

function frameRefs(raw: unknown): { ref_type?: string; ref_id?: string } {
  if (typeof raw !== "object" || raw === null) return {};
  const r = raw as Record<string, unknown>;
  const out: { ref_type?: string; ref_id?: string } = {};
  if (typeof r.type === "string") out.ref_type = r.type.slice(0, 64);
  const id = r.command_id ?? r.id ?? r.request_id;
  if (typeof id === "string") out.ref_id = id.slice(0, 128);
  return out;
}

/** Whether text is more than max bytes as UTF-8 (a character is 1-3 bytes; only a borderline frame is encoded). */
export function utf8Exceeds(text: string, max: number): boolean {
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return new TextEncoder().encode(text).length > max;
}

/** A terminal's identity: the broker server and account login it is logged into (MT5: the EA's hello). */
export const TerminalIdentitySchema = z.object({ server: z.string().max(128), login: z.string().max(64) });
export type TerminalIdentity = z.infer<typeof TerminalIdentitySchema>;

/** The identity a hello / account report names, or null while the terminal has not said (no EA yet). */
export function terminalIdentity(
  t: { server?: string | null | undefined; login?: string | null | undefined } | null | undefined,
): TerminalIdentity | null {
  const server = t?.server?.trim();
  const login = t?.login?.trim();
  return server && login ? { server, login } : null;
}

export const sameTerminal = (a: TerminalIdentity, b: TerminalIdentity): boolean =>
  a.server === b.server && a.login === b.login;
export const terminalLabel = (t: TerminalIdentity): string => `${t.server} login ${t.login}`;
