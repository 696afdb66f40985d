// The object side of the connector socket (docs/CONNECTOR_PROTOCOL.md, "Object side"): accepts the
// socket with the Hibernation API, authenticates it, turns connector-target orders and position
// commands into frames, applies results/updates exactly once and tells the browsers.

import { and, eq } from "drizzle-orm";
import { z } from "zod";
import {
  type Auth,
  CONNECTOR_PROTOCOL_VERSION,
  type ConnectorError,
  ConnectorToObjectFrameSchema,
  MAX_CONNECTOR_FRAME_BYTES,
  type ObjectToConnectorFrame,
  ObjectToConnectorFrameSchema,
  type PositionsUpdate,
  parseConnectorFrame,
  type StatusUpdate,
  type SyncResponse,
  sameTerminal,
  type TerminalIdentity,
  TerminalIdentitySchema,
  type TradeErrorFrame,
  type TradeResult,
  terminalIdentity,
  terminalLabel,
} from "../../core/protocol/connector";
import type { ConnectorStatusView } from "../../core/protocol/connector-status";
import type { PositionView, TradeView } from "../../core/protocol/events";
import type { OrderIntent } from "../../core/protocol/orders";
import type {
  PositionCommandAccepted,
  PositionCommandOutcome,
  PositionCommandRequest,
} from "../../core/protocol/position-commands";
import { verifyConnectorToken } from "../../platform/auth/connector-tokens";
import { db } from "../../platform/db/client";
import { connectorTokens } from "../../platform/db/schema";
import type { Env } from "../../platform/env";
import { maybeFlushMetrics, setConnectorState } from "../../platform/metrics";
import { alarmClock } from "../alarm/alarm-clock";
import type { EngineCore, Tx } from "../engine/engine";
import type { ConnectorLink, DispatchResult } from "../engine/targets";
import { applyResult } from "./apply-result";
import { CONNECTOR_TAG, type ConnectorAttachment, ConnectorAttachmentSchema } from "./attachment";
import { type BarsOutcome, ConnectorBars } from "./bars";
import { Coalescer } from "./coalesce";
import { type CommandKind, type CommandRow, CommandStore, ConnectorState, SeenIds } from "./commands";
import { FRAME_BURST, FRAMES_PER_SECOND, FrameBudget } from "./frame-budget";
import { locate, TerminalPositions } from "./positions";
import { applyPositions, positionsListUsable, reconcileCommands } from "./reconcile";
import { createConnectorTables } from "./tables";

/** How long a command may still be placed (its expires_at). */
export const COMMAND_TTL_MS = 60_000;
/** After expires_at, how long a sent command may still be answered before it counts as timed out. */
export const RESULT_GRACE_MS = 60_000;
/** A live connector's token is re-checked in D1 on a PING at most this often (revocation kicks it). */
export const REVERIFY_MS = 60_000;
export const HEARTBEAT_MS = 15_000;
/** A socket must authenticate within this long after the upgrade, else it is closed (CLOSE_AUTH_DEADLINE). */
export const AUTH_DEADLINE_MS = 10_000;
/** A refused second terminal is told to try again no sooner than this. */
export const TERMINAL_CONFLICT_RETRY_MS = 60_000;
/**
 * The account's terminal keeps it this long after it was last heard from (AUTH, a PING, its
 * close), so another terminal cannot slip in while it reconnects after a cut, a connector restart
 * or a platform restart (then no socket is live at all). Longer than the connector's backoff cap
 * (30 s) and its heartbeat (15 s); after it, another terminal may take the account.
 */
export const TERMINAL_HOLD_MS = 120_000;
/** connector_state key of the account's terminal: its identity and when it was last heard from. */
const HOLDER_KEY = "terminal_holder";
const HolderSchema = TerminalIdentitySchema.extend({ seen_at: z.number() });
/** Close codes (docs/CONNECTOR_PROTOCOL.md): the same terminal connected again; token refused; no AUTH in time; flooding; another terminal holds the account. */
export const CLOSE_REPLACED = 4001;
export const CLOSE_AUTH = 4003;
export const CLOSE_AUTH_DEADLINE = 4004;
export const CLOSE_FLOOD = 4008;
export const CLOSE_TERMINAL_CONFLICT = 4009;

/** What a socket costs in memory while the object is awake: its frame budget and its coalesced reports. */
interface SocketRuntime {
  budget: FrameBudget;
  /** Closed by us (flooding): whatever was queued behind the close is dropped unread. */
  closing: boolean;
  status: Coalescer<StatusUpdate>;
  positions: Coalescer<PositionsUpdate>;
}

export interface HubDeps {
  ctx: DurableObjectState;
  env: Env;
  core: () => EngineCore;
  /** Outbox to D1 + alarm, after a state change committed. */
  afterChange: () => Promise<void>;
  /** A command just went out on the socket: the outbox flush waits for its result (the alarm is the fallback). */
  resultDue: () => Promise<void>;
}

export type { PositionCommandOutcome };

export class ConnectorHub implements ConnectorLink {
  readonly commands: CommandStore;
  readonly seen: SeenIds;
  readonly state: ConnectorState;
  readonly terminal: TerminalPositions;
  readonly bars: ConnectorBars;
  private readonly runtimes = new WeakMap<WebSocket, SocketRuntime>();
  /** Each socket's attachment as last written (parsed once per socket while the object is awake: every frame reads it). */
  private readonly attachments = new WeakMap<WebSocket, ConnectorAttachment>();

  constructor(private readonly deps: HubDeps) {
    const sql = deps.ctx.storage.sql;
    createConnectorTables(sql);
    this.commands = new CommandStore(sql);
    this.seen = new SeenIds(sql);
    this.state = new ConnectorState(sql);
    this.terminal = new TerminalPositions(sql);
    this.bars = new ConnectorBars(deps.ctx, deps.env);
  }

  private get core(): EngineCore {
    return this.deps.core();
  }

  // ---- the engine's execution target ----------------------------------------------------------

  /** Inside the trade's transaction: the command row commits with the pending trade, or neither does. */
  enqueueOpen(intent: OrderIntent, trade: TradeView): void {
    const now = this.core.clock();
    const frame: ObjectToConnectorFrame = {
      type: "TRADE_COMMAND",
      command_id: crypto.randomUUID(),
      client_order_id: intent.client_order_id,
      expires_at: now + COMMAND_TTL_MS,
      action: "OPEN",
      side: intent.side,
      symbol: intent.symbol,
      volume: intent.volume,
      ...(intent.sl !== null ? { sl: intent.sl } : {}),
      ...(intent.tp !== null ? { tp: intent.tp } : {}),
    };
    this.insert(frame, "open", trade.id, null, now);
  }

  /** After commit: sends what waits if a connector is online; offline, the command waits (until expires_at). */
  async sendOpen(intent: OrderIntent): Promise<DispatchResult> {
    const sent = this.sendPending();
    await this.arm();
    return { ok: true, onSocket: sent.some((c) => c.client_order_id === intent.client_order_id) };
  }

  /**
   * Inside a cycle's transaction: a bot's exit of its connector position (TRADE_COMMAND CLOSE). The
   * client id's prefix carries the close reason to the result (apply-result.ts). Sent by sendQueued.
   */
  enqueueClose(ticket: string, tradeId: string, reason: "signal" | "time"): void {
    const now = this.core.clock();
    // A close of this ticket still on its way (e.g. the connector is offline): one is enough.
    if (this.commands.unsettled().some((c) => c.kind === "close" && c.ticket === ticket)) return;
    const frame: ObjectToConnectorFrame = {
      type: "TRADE_COMMAND",
      command_id: crypto.randomUUID(),
      client_order_id: `${reason}:${crypto.randomUUID()}`,
      expires_at: now + COMMAND_TTL_MS,
      action: "CLOSE",
      ticket,
    };
    this.insert(frame, "close", tradeId, ticket, now);
  }

  /** After commit: sends what waits (a cycle's closes) if a connector is online. */
  async sendQueued(): Promise<void> {
    this.sendPending();
    await this.arm();
  }

  /**
   * Close / modify / SL / breakeven of an open connector position (trade or terminal), or cancel
   * of a connector order not yet sent. Paper positions never get here (Engine.positionCommand).
   */
  async positionCommand(positionId: string, req: PositionCommandRequest): Promise<PositionCommandOutcome> {
    const core = this.core;
    const out = core.write((tx): PositionCommandOutcome => {
      const dup = core.commandIds.seen(positionId, req);
      if (dup) return dup;
      if (req.kind === "cancel") return this.cancelPending(tx, positionId, req);
      const found = locate(core, this.terminal, positionId);
      if (!found) return { ok: false, code: "not_found", message: "no open position with this id" };
      const ticket = found.position.broker_ticket;
      if (!ticket) return { ok: false, code: "not_found", message: "position has no broker ticket yet" };
      const now = core.clock();
      const base = {
        command_id: crypto.randomUUID(),
        client_order_id: `${req.kind}:${req.client_id ?? crypto.randomUUID()}`,
        expires_at: now + COMMAND_TTL_MS,
      };
      const frame: ObjectToConnectorFrame =
        req.kind === "close"
          ? {
              type: "TRADE_COMMAND",
              ...base,
              action: "CLOSE",
              ticket,
              ...(req.volume !== undefined ? { volume: req.volume } : {}),
            }
          : req.kind === "modify"
            ? {
                type: "TRADE_COMMAND",
                ...base,
                action: "MODIFY",
                ticket,
                ...(req.sl !== undefined ? { sl: req.sl } : {}),
                ...(req.tp !== undefined ? { tp: req.tp } : {}),
              }
            : req.kind === "update_sl"
              ? { type: "UPDATE_SL", ...base, ticket, sl: req.sl }
              : { type: "MOVE_BREAKEVEN", ...base, ticket, offset: req.offset };
      if (req.kind === "close" && req.volume !== undefined && req.volume > found.position.volume + 1e-9) {
        return {
          ok: false,
          code: "rejected",
          message: `cannot close ${req.volume} of a ${found.position.volume} lot position`,
        };
      }
      this.insert(frame, req.kind, found.kind === "trade" ? found.entry.trade.id : null, ticket, now);
      core.activity(
        tx,
        "info",
        found.position.bot_id,
        `${req.kind} of ${found.position.symbol} ticket ${ticket} sent to the connector`,
        { command_id: base.command_id, position_id: found.position.id },
      );
      const accepted: PositionCommandAccepted = {
        status: "pending",
        command_id: base.command_id,
        position_id: found.position.id,
        kind: req.kind,
        sent: false,
        expires_at: base.expires_at,
      };
      core.commandIds.remember(positionId, req, accepted, now);
      return { ok: true, accepted };
    });
    if (!out.ok || out.accepted.duplicate) return out;
    if (out.accepted.status === "done") {
      await this.deps.afterChange(); // a cancel: its D1 row goes now, not with some later flush
      return out;
    }
    const sent = this.sendPending().some((c) => c.command_id === out.accepted.command_id);
    // On the socket: its result follows shortly and flushes the outbox (see Engine.settleOrder).
    await (sent ? this.deps.resultDue() : this.deps.afterChange());
    await this.arm();
    return { ok: true, accepted: { ...out.accepted, sent } };
  }

  /** A connector order the connector has not received yet is withdrawn; once sent, its result decides. */
  private cancelPending(tx: Tx, tradeId: string, req: PositionCommandRequest): PositionCommandOutcome {
    const core = this.core;
    const entry = core.book.byId(tradeId);
    if (entry?.trade.target !== "connector")
      return { ok: false, code: "not_found", message: `no connector order ${tradeId}` };
    if (entry.trade.status !== "pending")
      return { ok: false, code: "conflict", message: `order is ${entry.trade.status}, not pending: nothing to cancel` };
    const cmd = this.commands.forTrade(tradeId, "open");
    if (cmd?.status !== "pending") {
      return {
        ok: false,
        code: "conflict",
        message: "the order already went to the connector; its result decides (close the position once it opens)",
      };
    }
    const now = core.clock();
    this.commands.settle(cmd.command_id, "canceled", now, "canceled by the user before it was sent");
    const canceled: TradeView = {
      ...entry.trade,
      status: "canceled",
      reason: "canceled by the user before it reached the connector",
    };
    core.book.save({ ...entry, trade: canceled });
    core.outbox.enqueue({ kind: "trade", row: canceled }, now);
    core.emit(tx, "trade", canceled);
    core.activity(
      tx,
      "info",
      canceled.bot_id,
      `${canceled.side} ${canceled.volume} ${canceled.symbol} ${canceled.client_order_id} canceled before it was sent`,
      { trade_id: canceled.id },
    );
    const accepted: PositionCommandAccepted = {
      status: "done",
      command_id: cmd.command_id,
      position_id: tradeId,
      kind: "cancel",
      sent: false,
      expires_at: null,
      trade: canceled,
    };
    core.commandIds.remember(tradeId, req, accepted, now);
    return { ok: true, accepted };
  }

  private insert(
    frame: ObjectToConnectorFrame,
    kind: CommandKind,
    tradeId: string | null,
    ticket: string | null,
    now: number,
  ): void {
    const checked = ObjectToConnectorFrameSchema.safeParse(frame);
    if (!checked.success)
      throw new Error(`connector command does not match its schema: ${checked.error.issues[0]?.message ?? "invalid"}`);
    if (!("command_id" in frame) || !("client_order_id" in frame) || !("expires_at" in frame))
      throw new Error("not a command frame");
    this.commands.insert({
      commandId: frame.command_id,
      clientOrderId: frame.client_order_id,
      kind,
      tradeId,
      ticket,
      frame,
      createdAt: now,
      expiresAt: frame.expires_at,
    });
  }

  // ---- socket ---------------------------------------------------------------------------------

  /**
   * The upgrade the Worker forwarded (token already verified there). Which socket keeps the account
   * is decided at AUTH, by terminal identity (onAuth); until then the socket may only authenticate,
   * within AUTH_DEADLINE_MS (the alarm closes it otherwise).
   */
  async accept(request: Request, userId: string, tokenId: string): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected a websocket upgrade", { status: 426 });
    const pair = new WebSocketPair();
    const server = pair[1];
    this.deps.ctx.acceptWebSocket(server, [CONNECTOR_TAG, `user:${userId}`]);
    const now = Date.now();
    const attachment: ConnectorAttachment = {
      kind: "connector",
      userId,
      tokenId,
      connectedAt: now,
      authed: false,
      verifiedAt: now,
      sessionId: crypto.randomUUID(),
      terminal: null,
    };
    this.attach(server, attachment);
    await alarmClock(this.deps.ctx.storage).noLaterThan(now + AUTH_DEADLINE_MS, now);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** The socket's state (survives hibernation in its attachment; cached while awake); null if unreadable. */
  private attachmentOf(ws: WebSocket): ConnectorAttachment | null {
    const cached = this.attachments.get(ws);
    if (cached) return cached;
    const a = ConnectorAttachmentSchema.safeParse(ws.deserializeAttachment());
    if (!a.success) return null;
    this.attachments.set(ws, a.data);
    return a.data;
  }

  /** Every change of a socket's state goes through here, so the cache never differs from the attachment. */
  private attach(ws: WebSocket, a: ConnectorAttachment): void {
    ws.serializeAttachment(a);
    this.attachments.set(ws, a);
  }

  private bindingOfSocket(ws: WebSocket): string {
    const a = this.attachmentOf(ws);
    if (!a) throw new Error("connector socket without its state");
    return bindingOf(a);
  }

  private runtime(ws: WebSocket, now: number): SocketRuntime {
    let rt = this.runtimes.get(ws);
    if (!rt) {
      rt = {
        budget: new FrameBudget(now),
        closing: false,
        status: new Coalescer<StatusUpdate>((f) => this.onStatus(ws, f)),
        positions: new Coalescer<PositionsUpdate>(
          (f, superseded) => this.onPositions(ws, f, superseded),
          (f) => (f.reason === "change" ? f.id : undefined),
        ),
      };
      this.runtimes.set(ws, rt);
    }
    return rt;
  }

  async onMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const now = Date.now();
    // The budget is checked before anything else: a refused frame costs a counter, never a parse.
    const rt = this.runtime(ws, now);
    if (rt.closing) return; // frames still queued behind our close
    const verdict = rt.budget.take(now);
    if (!verdict.ok) {
      if (verdict.close) {
        rt.closing = true;
        console.warn(
          JSON.stringify({
            level: "warn",
            msg: "connector socket closed for flooding",
            tags: this.deps.ctx.getTags(ws),
          }),
        );
        return closeQuietly(ws, CLOSE_FLOOD, "frame budget exceeded");
      }
      if (verdict.notify !== null) {
        sendError(ws, {
          code: "rate_limited",
          message: `over the frame budget (${FRAMES_PER_SECOND} frames/s, bursts of ${FRAME_BURST}): ${verdict.notify} frame(s) refused and not applied; journaled reports come again after a reconnect`,
          details: { refused: verdict.notify },
        });
      }
      return;
    }
    const a = this.attachmentOf(ws);
    if (!a) {
      ws.close(1011, "socket state lost");
      return;
    }
    if (!a.authed && now - a.connectedAt > AUTH_DEADLINE_MS)
      return closeQuietly(ws, CLOSE_AUTH_DEADLINE, "no AUTH within the deadline");
    if (typeof message !== "string") {
      if (message.byteLength > MAX_CONNECTOR_FRAME_BYTES)
        return sendError(ws, { code: "too_large", message: `frame over ${MAX_CONNECTOR_FRAME_BYTES} bytes` });
      return sendError(ws, { code: "bad_frame", message: "frames must be JSON text" });
    }
    const parsed = parseConnectorFrame(message, ConnectorToObjectFrameSchema);
    if (!parsed.ok) return sendError(ws, parsed.error);
    const frame = parsed.frame;
    if (
      !a.authed &&
      frame.type !== "AUTH" &&
      frame.type !== "PING" &&
      frame.type !== "PONG" &&
      frame.type !== "ERROR"
    ) {
      return sendError(ws, { code: "not_authenticated", message: "send AUTH first", ref_type: frame.type });
    }
    switch (frame.type) {
      case "AUTH":
        return this.onAuth(ws, a, frame);
      case "PING":
        send(ws, { type: "PONG", ...(frame.id !== undefined ? { id: frame.id } : {}), ts: Date.now() });
        if (a.authed && a.terminal) this.noteHolder(a.terminal, now);
        if (a.authed && Date.now() - a.verifiedAt > REVERIFY_MS) await this.reverify(ws, a);
        return;
      case "PONG":
        return;
      case "TRADE_RESULT":
        return this.onResult(ws, frame);
      case "TRADE_ERROR":
        return this.onTradeError(ws, frame);
      case "POSITIONS_UPDATE":
        if (this.seen.has(frame.id)) return sendAck(ws, [frame.id]);
        return rt.positions.offer(frame, now);
      case "STATUS_UPDATE":
        return rt.status.offer(frame, now);
      case "SYNC_RESPONSE":
        return this.onSync(ws, frame);
      case "ERROR":
        console.warn(
          JSON.stringify({
            level: "warn",
            msg: "connector reported an error",
            code: frame.code,
            message: frame.message,
            ref_type: frame.ref_type,
            ref_id: frame.ref_id,
          }),
        );
        return;
      case "RATES_RESPONSE":
        if (frame.error)
          console.warn(
            JSON.stringify({
              level: "warn",
              msg: "connector had no bars",
              symbol: frame.symbol,
              timeframe: frame.timeframe,
              code: frame.error.code,
              message: frame.error.message,
            }),
          );
        return barsRefused(ws, this.bars.onRates(frame), frame.type, frame.id);
      case "BAR_CLOSED":
        return barsRefused(
          ws,
          this.bars.onBarClosed(frame),
          frame.type,
          `${frame.symbol}:${frame.timeframe}:${frame.bar.time}`,
        );
    }
  }

  async onClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      /* already closed */
    }
    const rt = this.runtimes.get(ws);
    rt?.status.cancel();
    rt?.positions.cancel();
    const att = this.attachmentOf(ws);
    if (this.liveSocket(ws)) return; // a newer connection took over: still online
    if (!att?.authed) return;
    if (att.terminal) this.noteHolder(att.terminal, Date.now()); // its hold runs from now
    const core = this.core;
    core.write((tx) => this.emitStatus(tx, false, `closed ${code}${reason ? `: ${reason}` : ""}`));
    this.metric(att.userId, false);
  }

  private async onAuth(ws: WebSocket, a: ConnectorAttachment, frame: Auth): Promise<void> {
    if (frame.protocol_version !== CONNECTOR_PROTOCOL_VERSION) {
      send(ws, {
        type: "AUTH_ERROR",
        code: "protocol_version",
        message: `this server speaks protocol ${CONNECTOR_PROTOCOL_VERSION}`,
        retry: false,
      });
      ws.close(CLOSE_AUTH, "protocol version");
      return;
    }
    const owner = await verifyConnectorToken(db(this.deps.env), frame.token);
    if (!owner || owner.userId !== a.userId || owner.tokenId !== a.tokenId) {
      send(ws, {
        type: "AUTH_ERROR",
        code: owner ? "invalid_token" : "revoked",
        message: owner
          ? "token does not match this connection"
          : "connector token revoked or unknown: create a new one",
        retry: false,
      });
      ws.close(CLOSE_AUTH, "token refused");
      return;
    }
    const me = terminalIdentity(frame.terminal);
    const holder = this.conflictingTerminal(ws, me, Date.now());
    if (holder) return this.refuseTerminal(ws, a, me, holder);
    if (me) this.noteHolder(me, Date.now());
    // No other terminal: an older socket of this same terminal (or of an unidentified one) gives way.
    for (const other of this.authedSockets(ws))
      closeQuietly(other, CLOSE_REPLACED, "replaced: the same terminal connected again");
    const now = this.core.clock();
    this.attach(ws, { ...a, authed: true, verifiedAt: now, terminal: me });
    send(ws, { type: "AUTH_OK", server_time: Date.now(), session_id: a.sessionId, heartbeat_ms: HEARTBEAT_MS });
    this.state.set(
      "session",
      JSON.stringify({
        broker: frame.broker,
        connector_version: frame.connector_version,
        connected_at: a.connectedAt,
        terminal_connected: frame.terminal?.connected ?? false,
        margin_mode: frame.terminal?.margin_mode ?? null,
      }),
    );
    this.core.write((tx) => {
      this.expireUnsent(tx, now);
      this.emitStatus(tx, true, null);
    });
    this.metric(a.userId, true);
    // Safe: the connector answers a command id it has seen from its journal, never runs it twice;
    // sendAll re-sends only commands bound to this terminal (never to another one).
    this.adoptOrphans(ws);
    this.sendAll(ws, this.commands.sendable(now));
    await this.deps.afterChange();
    await this.requestBars(ws, a.userId);
  }

  /**
   * One terminal per account: the identity another live, authenticated socket speaks for, or else
   * the account's terminal while its hold runs (TERMINAL_HOLD_MS), when it is not this one's (an
   * unidentified newcomer cannot take the account from an identified terminal either).
   */
  private conflictingTerminal(
    ws: WebSocket,
    me: TerminalIdentity | null,
    now: number,
  ): { terminal: TerminalIdentity; live: boolean } | undefined {
    const differs = (them: TerminalIdentity) => !me || !sameTerminal(me, them);
    for (const other of this.authedSockets(ws)) {
      const them = this.attachmentOf(other)?.terminal;
      if (them && differs(them)) return { terminal: them, live: true };
    }
    const held = this.heldTerminal(now);
    return held && differs(held) ? { terminal: held, live: false } : undefined;
  }

  /** The account's terminal while its hold runs (it was heard from within TERMINAL_HOLD_MS). */
  private heldTerminal(now: number): TerminalIdentity | undefined {
    const raw = this.state.get(HOLDER_KEY);
    if (!raw) return undefined;
    const h = HolderSchema.safeParse(JSON.parse(raw));
    if (!h.success || now - h.data.seen_at >= TERMINAL_HOLD_MS) return undefined;
    return { server: h.data.server, login: h.data.login };
  }

  /** The account's terminal was heard from: it holds the account for TERMINAL_HOLD_MS from now. */
  private noteHolder(t: TerminalIdentity, now: number): void {
    this.state.set(HOLDER_KEY, JSON.stringify({ server: t.server, login: t.login, seen_at: now }));
  }

  /** The second terminal is refused (it retries after TERMINAL_CONFLICT_RETRY_MS); the first keeps the account. */
  private refuseTerminal(
    ws: WebSocket,
    a: ConnectorAttachment,
    me: TerminalIdentity | null,
    { terminal: holder, live }: { terminal: TerminalIdentity; live: boolean },
  ): void {
    const who = me ? `terminal ${terminalLabel(me)}` : "a connector whose terminal has not identified itself";
    const message = live
      ? `refused: this account is connected to terminal ${terminalLabel(holder)}; one terminal per account. Stop that connector (or log this one into the same account) to use this one`
      : `refused: this account belongs to terminal ${terminalLabel(holder)}, which was connected less than ${TERMINAL_HOLD_MS / 60_000} minutes ago and may be reconnecting; one terminal per account. Another terminal can take the account once that one has stayed away that long`;
    send(ws, {
      type: "AUTH_ERROR",
      code: "terminal_conflict",
      message,
      retry: true,
      retry_after_ms: TERMINAL_CONFLICT_RETRY_MS,
      terminal: holder,
    });
    closeQuietly(ws, CLOSE_TERMINAL_CONFLICT, "another terminal holds this account");
    console.warn(
      JSON.stringify({ level: "warn", msg: "second terminal refused", user: a.userId, refused: me, holder }),
    );
    // Tell the dashboard too, at most once per retry interval (the refused connector keeps retrying).
    const now = this.core.clock();
    if (now - Number(this.state.get("conflict_noted_at") ?? "0") < TERMINAL_CONFLICT_RETRY_MS) return;
    this.state.set("conflict_noted_at", String(now));
    this.core.write((tx) =>
      this.core.activity(
        tx,
        "error",
        null,
        `${who} tried to connect and was refused: terminal ${terminalLabel(holder)} holds this account (one terminal per account)`,
        { refused: me, holder },
      ),
    );
  }

  /** Warm-up bars for every connector bot's timeframes; BAR_CLOSED keeps them current afterwards. */
  private async requestBars(ws: WebSocket, userId: string): Promise<void> {
    try {
      for (const r of this.bars.requests(await this.bars.needs(userId))) send(ws, r);
    } catch (e) {
      console.error(JSON.stringify({ level: "error", msg: "rates requests not sent", error: String(e) }));
    }
  }

  /** A revoked token stops working on a live socket too (checked at most every REVERIFY_MS). */
  private async reverify(ws: WebSocket, a: ConnectorAttachment): Promise<void> {
    const row = await db(this.deps.env).query.connectorTokens.findFirst({
      columns: { revokedAt: true },
      where: and(eq(connectorTokens.id, a.tokenId), eq(connectorTokens.userId, a.userId)),
    });
    if (!row || row.revokedAt !== null) {
      send(ws, { type: "AUTH_ERROR", code: "revoked", message: "connector token revoked", retry: false });
      ws.close(CLOSE_AUTH, "token revoked");
      return;
    }
    this.attach(ws, { ...a, verifiedAt: Date.now() });
  }

  private async onResult(ws: WebSocket, r: TradeResult): Promise<void> {
    if (this.seen.has(r.id)) return sendAck(ws, [r.id]);
    const core = this.core;
    const known = core.write((tx) => {
      const now = core.clock();
      const cmd = this.commands.get(r.command_id);
      if (cmd) {
        const outcome = applyResult(core, tx, this.terminal, cmd, r, this.reported()?.account?.currency ?? "USD");
        this.commands.settle(cmd.command_id, "resolved", now, outcome);
      } else if (r.ok) {
        core.activity(
          tx,
          "error",
          null,
          `the connector reported a result for command ${r.command_id} (${r.action} ${r.symbol ?? ""} ${r.client_order_id}) that this account never sent; check the terminal`.replace(
            /\s+/g,
            " ",
          ),
          { command_id: r.command_id, ticket: r.ticket ?? null },
        );
      }
      this.seen.add(r.id, now);
      return cmd !== undefined;
    });
    // Acknowledged (the connector stops re-sending it) but never silently: the connector is told.
    if (!known)
      sendError(ws, {
        code: "unknown_command",
        message: `no command ${r.command_id} was sent by this account; result recorded, not applied`,
        ref_type: r.type,
        ref_id: r.command_id,
      });
    sendAck(ws, [r.id]);
    await this.afterApplied();
  }

  private async onTradeError(ws: WebSocket, e: TradeErrorFrame): Promise<void> {
    if (this.seen.has(e.id)) return sendAck(ws, [e.id]);
    const core = this.core;
    core.write((tx) => {
      const cmd = e.command_id ? this.commands.get(e.command_id) : undefined;
      const trade = cmd?.trade_id ? core.book.byId(cmd.trade_id)?.trade : undefined;
      const botId = trade?.bot_id ?? null;
      const cid = e.client_order_id ?? cmd?.client_order_id ?? e.command_id ?? e.id;
      core.emit(tx, "TRADE_ERROR", {
        bot_id: botId,
        client_order_id: cid,
        code: e.error.code,
        message: e.error.message,
      });
      core.activity(
        tx,
        "error",
        botId,
        `${e.action ?? "command"} ${e.symbol ?? ""} ${cid} failed at the connector: ${e.error.message}`.replace(
          /\s+/g,
          " ",
        ),
        { code: e.error.code, ...(e.error.broker_code ? { broker_code: e.error.broker_code } : {}) },
      );
      this.seen.add(e.id, core.clock());
    });
    sendAck(ws, [e.id]);
    await this.afterApplied();
  }

  /** Applies the latest list; lists it superseded while coalesced are acknowledged with it. */
  private async onPositions(ws: WebSocket, u: PositionsUpdate, superseded: string[] = []): Promise<void> {
    if (this.seen.has(u.id)) return sendAck(ws, [u.id, ...superseded].slice(0, 1000));
    const core = this.core;
    const usable = positionsListUsable(u.terminal_connected, this.reported()?.terminal_connected);
    core.write((tx) => {
      if (
        usable &&
        applyPositions(core, tx, this.terminal, this.state, this.commands, u.positions, u.at, [], u.unreadable ?? 0)
      )
        core.emit(tx, "POSITIONS_UPDATED", { positions: this.openPositions() });
      if (u.reason === "change") this.seen.add(u.id, core.clock());
      for (const id of superseded) this.seen.add(id, core.clock());
    });
    const acks = [...(u.reason === "change" ? [u.id] : []), ...superseded];
    for (let i = 0; i < acks.length; i += 1000) sendAck(ws, acks.slice(i, i + 1000));
    await this.afterApplied();
  }

  /** An EA that linked (or changed) after AUTH: its margin mode is what cycles check, so keep it current. */
  private noteTerminal(t: StatusUpdate["terminal"]): void {
    const session = this.session();
    if (!t || !session || (session.margin_mode ?? null) === (t.margin_mode ?? null)) return;
    this.state.set("session", JSON.stringify({ ...session, margin_mode: t.margin_mode ?? null }));
  }

  private onStatus(ws: WebSocket, s: StatusUpdate): void {
    this.noteTerminal(s.terminal);
    this.learnTerminal(ws, s.account);
    this.state.set(
      "status",
      JSON.stringify({
        broker: s.broker,
        connector_version: s.connector_version,
        terminal_connected: s.terminal_connected,
        account: s.account,
        at: s.at,
      }),
    );
    this.core.write((tx) => this.emitStatus(tx, true, null));
  }

  /** A socket that authenticated before its terminal said who it is learns it from the account report. */
  private learnTerminal(
    ws: WebSocket,
    account: { server?: string | undefined; login?: string | number | undefined } | null,
  ): void {
    const a = this.attachmentOf(ws);
    if (!a || a.terminal) return;
    const id = terminalIdentity(
      account
        ? { server: account.server ?? null, login: account.login === undefined ? null : String(account.login) }
        : null,
    );
    if (!id) return;
    this.attach(ws, { ...a, terminal: id });
    // Now it can resume: commands bound to this terminal that still wait for a result go again.
    if (!a.authed) return;
    this.noteHolder(id, Date.now());
    this.adoptOrphans(ws);
    this.sendAll(ws, this.commands.sendable(this.core.clock()));
  }

  private async onSync(ws: WebSocket, s: SyncResponse): Promise<void> {
    this.noteTerminal(s.terminal);
    this.learnTerminal(ws, s.account);
    const binding = this.bindingOfSocket(ws);
    this.state.set(
      "status",
      JSON.stringify({
        broker: s.broker,
        connector_version: this.session()?.connector_version ?? null,
        terminal_connected: s.terminal_connected,
        account: s.account,
        at: s.at,
      }),
    );
    const core = this.core;
    core.write((tx) => {
      if (s.terminal_connected) {
        // An incomplete list cannot prove an order never reached the broker.
        if (!s.unreadable) reconcileCommands(core, tx, this.terminal, this.commands, s.positions, s.deals, binding);
        applyPositions(
          core,
          tx,
          this.terminal,
          this.state,
          this.commands,
          s.positions,
          s.at,
          s.deals,
          s.unreadable ?? 0,
        );
        core.emit(tx, "POSITIONS_UPDATED", { positions: this.openPositions() });
      }
      this.emitStatus(tx, true, null);
      this.seen.trim(core.clock());
    });
    await this.deps.afterChange();
  }

  /**
   * After a report was applied: the browser events and the ACK leave as soon as the object's own
   * SQLite has committed the change (the output gate), and only then does the D1 outbox flush
   * start. Awaiting the commit first keeps the flush's synchronous work (reading the outbox,
   * building the D1 batch) from delaying that commit; the rows are in the outbox either way, and
   * the alarm retries a flush that fails.
   */
  private async afterApplied(): Promise<void> {
    await this.deps.ctx.storage.sync();
    await this.deps.afterChange();
  }

  // ---- deadlines (the object's alarm) ----------------------------------------------------------

  /** Unsent commands past their TTL fail (never run late); sent ones without a result are reconciled by SYNC. */
  async onAlarm(): Promise<void> {
    this.closeLateAuth(Date.now());
    const core = this.core;
    const now = core.clock();
    const overdue = core.write((tx) => {
      this.expireUnsent(tx, now);
      const late = this.commands.overdue(now - RESULT_GRACE_MS);
      for (const cmd of late) {
        this.commands.settle(cmd.command_id, "timed_out", now, "no result before expiry + grace");
        const botId = cmd.trade_id ? (core.book.byId(cmd.trade_id)?.trade.bot_id ?? null) : null;
        core.emit(tx, "TRADE_ERROR", {
          bot_id: botId,
          client_order_id: cmd.client_order_id,
          code: "timeout",
          message: "no result from the connector; checking the broker (SYNC), not resending",
        });
        core.activity(
          tx,
          "error",
          botId,
          `${cmd.kind} ${cmd.client_order_id}: no result from the connector in time; reconciling with the broker`,
          { command_id: cmd.command_id },
        );
      }
      return late.length;
    });
    if (overdue > 0) {
      const ws = this.authedSocket();
      if (ws) send(ws, { type: "SYNC_REQUEST", request_id: `sync:${now}` });
    }
    await this.deps.afterChange();
    await this.arm();
  }

  /** Sockets that did not authenticate within AUTH_DEADLINE_MS of the upgrade are closed. */
  private closeLateAuth(now: number): void {
    for (const ws of this.deps.ctx.getWebSockets(CONNECTOR_TAG)) {
      const a = this.attachmentOf(ws);
      if (a && !a.authed && now - a.connectedAt >= AUTH_DEADLINE_MS)
        closeQuietly(ws, CLOSE_AUTH_DEADLINE, "no AUTH within the deadline");
    }
  }

  /** Sets the alarm to the next command or authentication deadline if it is earlier than what is set. */
  async arm(): Promise<void> {
    const deadlines = [this.commands.nextDeadline(RESULT_GRACE_MS)];
    for (const ws of this.deps.ctx.getWebSockets(CONNECTOR_TAG)) {
      const a = this.attachmentOf(ws);
      if (a && !a.authed) deadlines.push(a.connectedAt + AUTH_DEADLINE_MS);
    }
    const due = deadlines.filter((d): d is number => d !== null);
    if (due.length === 0) return;
    const now = Date.now();
    await alarmClock(this.deps.ctx.storage).noLaterThan(Math.max(Math.min(...due), now), now);
  }

  private expireUnsent(tx: Tx, now: number): void {
    const core = this.core;
    for (const cmd of this.commands.expiredUnsent(now)) {
      this.commands.settle(cmd.command_id, "expired", now, "not delivered before expires_at");
      const entry = cmd.trade_id ? core.book.byId(cmd.trade_id) : undefined;
      const botId = entry?.trade.bot_id ?? null;
      if (cmd.kind === "open" && entry) {
        const failed = {
          ...entry.trade,
          status: "error" as const,
          reason: "expired: no connector online before the order's deadline",
        };
        core.book.save({ ...entry, trade: failed });
        core.outbox.enqueue({ kind: "trade", row: failed }, now);
        core.emit(tx, "trade", failed);
      }
      core.emit(tx, "TRADE_ERROR", {
        bot_id: botId,
        client_order_id: cmd.client_order_id,
        code: "expired",
        message: "no connector was online before the command's deadline; it will not run",
      });
      core.activity(
        tx,
        "error",
        botId,
        `${cmd.kind} ${cmd.client_order_id} expired waiting for the connector (not sent)`,
        { command_id: cmd.command_id },
      );
    }
  }

  // ---- sending ----------------------------------------------------------------------------------

  /**
   * A connector restarted before its terminal identified itself leaves commands bound to its dead
   * session: the identified terminal now holding the account takes them (the account's one
   * terminal; a second one is refused at AUTH). Without this they were never sent again and stayed
   * in doubt until their TTL (the chaos test's SIGKILLs hit that window). An unidentified socket
   * adopts nothing: it might be another terminal.
   */
  private adoptOrphans(ws: WebSocket): void {
    const binding = this.bindingOfSocket(ws);
    if (binding.startsWith("session:")) return;
    const live = this.deps.ctx.getWebSockets(CONNECTOR_TAG).flatMap((other) => {
      const a = this.attachmentOf(other);
      return a && other.readyState === WebSocket.OPEN ? [bindingOf(a)] : [];
    });
    const adopted = this.commands.adoptOrphans(live, binding);
    if (adopted)
      console.log(
        JSON.stringify({ level: "info", msg: "orphaned connector commands adopted", adopted, terminal: binding }),
      );
  }

  private authedSocket(except?: WebSocket): WebSocket | undefined {
    return this.authedSockets(except)[0];
  }

  private authedSockets(except?: WebSocket): WebSocket[] {
    return this.deps.ctx.getWebSockets(CONNECTOR_TAG).filter((ws) => {
      if (ws === except || ws.readyState !== WebSocket.OPEN) return false;
      return this.attachmentOf(ws)?.authed === true;
    });
  }

  private liveSocket(except: WebSocket): boolean {
    return this.authedSocket(except) !== undefined;
  }

  /** Sends commands never sent yet; returns those that went out. */
  private sendPending(): CommandRow[] {
    const ws = this.authedSocket();
    if (!ws) return [];
    const now = this.core.clock();
    const rows = this.commands.sendable(now).filter((c) => c.status === "pending");
    return this.sendAll(ws, rows);
  }

  /**
   * Sends commands never sent (binding them to this socket's terminal and stamping first_sent_at)
   * and re-sends those bound to this same terminal; a command bound to another terminal is never
   * sent here (it times out and is reconciled by that terminal's SYNC).
   */
  private sendAll(ws: WebSocket, rows: CommandRow[]): CommandRow[] {
    const sent: CommandRow[] = [];
    const now = this.core.clock();
    const binding = this.bindingOfSocket(ws);
    for (const c of rows) {
      if (c.terminal !== null && c.terminal !== binding) continue;
      const frame = c.terminal === null ? JSON.stringify({ ...JSON.parse(c.frame), first_sent_at: now }) : c.frame;
      try {
        ws.send(frame);
      } catch {
        break; // socket gone: the rest waits for the next AUTH_OK
      }
      if (c.terminal === null) this.commands.bind(c.command_id, binding, frame);
      this.commands.markSent(c.command_id, now);
      sent.push(c);
    }
    return sent;
  }

  // ---- views -------------------------------------------------------------------------------------

  /** Every open position: the engine's (paper + connector trades) and those opened in the terminal. */
  openPositions(): PositionView[] {
    return this.core.allOpenPositions();
  }

  terminalPositions(): PositionView[] {
    return this.terminal.all();
  }

  private session():
    | {
        broker: "mt5" | "paper";
        connector_version: string;
        connected_at: number;
        terminal_connected: boolean;
        margin_mode?: "hedging" | "netting" | "exchange" | null;
      }
    | undefined {
    const s = this.state.get("session");
    return s ? JSON.parse(s) : undefined;
  }

  /** The last STATUS_UPDATE / SYNC_RESPONSE the connector sent (kept in SQLite). */
  private reported():
    | {
        broker: "mt5" | "paper";
        connector_version: string | null;
        terminal_connected: boolean;
        account: ConnectorStatusView["account"];
        at: number;
      }
    | undefined {
    const s = this.state.get("status");
    return s ? JSON.parse(s) : undefined;
  }

  /** The account's margin mode (ACCOUNT_MARGIN_MODE) the connector reported at AUTH; null if it did not say. */
  marginMode(): "hedging" | "netting" | "exchange" | null {
    return this.session()?.margin_mode ?? null;
  }

  /** The broker account's balance as the connector last reported it; null before it has. */
  brokerBalance(): number | null {
    return this.reported()?.account?.balance ?? null;
  }

  status(online = this.authedSocket() !== undefined, reason: string | null = null): ConnectorStatusView {
    const session = this.session();
    const st = this.reported();
    return {
      online,
      broker: st?.broker ?? session?.broker ?? null,
      connector_version: st?.connector_version ?? session?.connector_version ?? null,
      terminal_connected: online && (st?.terminal_connected ?? session?.terminal_connected ?? false),
      account: st?.account ?? null,
      pending_commands: this.commands.pendingCount(),
      connected_at: online ? (session?.connected_at ?? null) : null,
      updated_at: this.core.clock(),
      reason,
    };
  }

  private emitStatus(tx: Tx, online: boolean, reason: string | null): void {
    this.core.emit(tx, "CONNECTOR_STATUS", this.status(online, reason));
  }

  private metric(userId: string, connected: boolean): void {
    setConnectorState(userId, connected);
    maybeFlushMetrics(this.deps.env, (p) => this.deps.ctx.waitUntil(p));
  }
}

/** The terminal a socket's commands are bound to: its identity, or its session while it has none. */
export function bindingOf(a: ConnectorAttachment): string {
  return a.terminal ? `${a.terminal.server}|${a.terminal.login}` : `session:${a.sessionId}`;
}

function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    /* already closed */
  }
}

function send(ws: WebSocket, frame: ObjectToConnectorFrame): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    /* closed: the connector re-sends after reconnecting */
  }
}

function sendAck(ws: WebSocket, ids: string[]): void {
  send(ws, { type: "ACK", ids });
}

function barsRefused(ws: WebSocket, r: BarsOutcome, refType: string, refId: string): void {
  if (!r.ok) sendError(ws, { code: "bad_frame", message: r.message, ref_type: refType, ref_id: refId.slice(0, 64) });
}

function sendError(ws: WebSocket, e: Omit<ConnectorError, "type">): void {
  send(ws, { type: "ERROR", ...e });
}
