import { utcDay } from "../../core/paper/ledger";
import type { PaperEvent } from "../../core/paper/schemas";
import type {
  AccountView,
  ActivityData,
  EventData,
  EventType,
  PositionView,
  TradeView,
  UserEvent,
} from "../../core/protocol/events";
import {
  type OrderIntent,
  type OrderIntentInput,
  OrderIntentSchema,
  orderFingerprint,
} from "../../core/protocol/orders";
import type { ExecutionResult } from "../../core/protocol/portfolio-api";
import type { Prediction } from "../../core/protocol/prediction";
import { stopBandIssues } from "../../core/risk/stop-band";
import { issueText } from "../../core/util/zod-issues";
import { db } from "../../platform/db/client";
import type { Env } from "../../platform/env";
import { CommandIds } from "./command-ids";
import { EVENT_LOG_MAX, EventLog } from "./event-log";
import { broadcast, browserReaders } from "./fanout";
import { type FlushReport, Outbox } from "./outbox";
import { PaperAccount } from "./paper-account";
import type { Quote } from "./replay-quotes";
import { createEngineTables, Meta } from "./tables";
import { type ConnectorLink, noConnector, type TargetKind } from "./targets";
import {
  type BookEntry,
  closedTrade,
  legOf,
  newTradeView,
  openedTrade,
  positionView,
  TradeBook,
  withLeg,
} from "./trade-book";

/** Activities live 24 h in D1 (deleted on flush after that). */
export const ACTIVITY_TTL_MS = 24 * 3600_000;

export interface EngineDeps {
  ctx: DurableObjectState;
  env: Pick<Env, "DB">;
  /** Current market price of a symbol (replay walk, or the connector's last quote). */
  quote: (symbol: string) => Quote | null;
  clock?: () => number;
  connector?: ConnectorLink;
}

export type Source = "bot" | "manual";

/** Events produced inside one transaction; broadcast only after it commits. */
export type Tx = UserEvent[];

/**
 * The engine's state machine inside the user's object: paper account, trade book, event log and
 * outbox, all in the object's SQLite. Every state change goes through `write`, one synchronous
 * SQLite transaction: the change, its events and its D1 outbox rows commit together or not at all.
 */
export class EngineCore {
  readonly sql: SqlStorage;
  readonly meta: Meta;
  readonly log: EventLog;
  readonly outbox: Outbox;
  readonly book: TradeBook;
  readonly paper: PaperAccount;
  readonly commandIds: CommandIds;
  clock: () => number;
  quote: (symbol: string) => Quote | null;
  connector: ConnectorLink;
  private flushing: Promise<FlushReport> | null = null;

  constructor(private readonly deps: EngineDeps) {
    this.sql = deps.ctx.storage.sql;
    createEngineTables(this.sql);
    this.meta = new Meta(this.sql);
    this.log = new EventLog(this.sql, EVENT_LOG_MAX, browserReaders(deps.ctx));
    this.outbox = new Outbox(this.sql);
    this.book = new TradeBook(this.sql);
    this.paper = new PaperAccount(this.sql);
    this.commandIds = new CommandIds(this.sql);
    this.clock = deps.clock ?? Date.now;
    this.quote = deps.quote;
    this.connector = deps.connector ?? noConnector;
  }

  /**
   * The time a bot or order of `symbol` on `target` lives in: paper trading runs on the time of
   * the symbol's quote, which on a replayed market is the replay's clock (so its trades,
   * positions, activities, gates and days are dated in market time and line up with the bars).
   * Without a quote, and on the connector (a real broker), the wall clock.
   */
  marketNow(symbol: string, target: TargetKind): number {
    return (target === "paper" ? this.quote(symbol)?.time : undefined) ?? this.clock();
  }

  get ctx(): DurableObjectState {
    return this.deps.ctx;
  }

  /** The object's user (remembered from the first verified call; the object is named by it). */
  bindUser(userId: string): void {
    const known = this.meta.get("user_id");
    if (known === undefined) this.meta.set("user_id", userId);
    else if (known !== userId) throw new Error("object addressed with a different user id");
  }

  get userId(): string | undefined {
    return this.meta.get("user_id");
  }

  write<T>(fn: (tx: Tx) => T): T {
    const tx: Tx = [];
    let out: T;
    try {
      out = this.deps.ctx.storage.transactionSync(() => fn(tx));
    } catch (e) {
      this.paper.discard();
      throw e;
    }
    broadcast(this.deps.ctx, tx);
    return out;
  }

  emit<T extends EventType>(tx: Tx, type: T, data: EventData<T>): UserEvent {
    const ev = this.log.append(type, data, this.clock());
    tx.push(ev);
    return ev;
  }

  /** `at`: the activity's time when it is not the wall clock (market time of a replay bot, see marketNow). */
  activity(
    tx: Tx,
    kind: ActivityData["kind"],
    botId: string | null,
    message: string,
    detail?: Record<string, unknown>,
    at?: number,
  ): void {
    const now = this.clock();
    const seq = this.log.latestSeq() + 1;
    const data: ActivityData = {
      id: `${this.userId ?? "anon"}:${seq}`,
      kind,
      bot_id: botId,
      message,
      ...(detail ? { detail } : {}),
    };
    const ev = this.emit(tx, "activity", data);
    if (ev.seq !== seq) throw new Error("event seq moved inside a transaction");
    this.outbox.enqueue(
      { kind: "activity", row: { ...data, seq, created_at: at ?? now, expires_at: now + ACTIVITY_TTL_MS } },
      now,
    );
  }

  /** Flushes the outbox to D1; concurrent callers share one flush (two would race stale rows). */
  async flush(): Promise<FlushReport> {
    while (this.flushing) await this.flushing.catch(() => undefined);
    const userId = this.userId;
    if (!userId) return { written: 0, failed: 0, remaining: 0, error: null };
    this.flushing = this.outbox.flush(db(this.deps.env), userId, this.clock());
    try {
      return await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  // ---- execution -----------------------------------------------------------------------------

  /**
   * Executes an order intent on a target inside `tx`. Idempotent by client order id: a second call
   * with the same id returns the first trade as `duplicate` and changes nothing.
   */
  execute(
    tx: Tx,
    input: OrderIntentInput,
    meta: { botId: string | null; target: TargetKind; source: Source; fallbackMid?: number; override?: string },
  ): ExecutionResult & { dispatch?: OrderIntent } {
    const parsed = OrderIntentSchema.safeParse(input);
    if (!parsed.success)
      return {
        status: "rejected",
        trade: null,
        reason: issueText(parsed.error),
      };
    const intent = parsed.data;
    // Stops relative to the fill are placed by the paper engine; the EA places the levels it is sent.
    if (meta.target === "connector" && intent.stops_anchor !== undefined)
      return {
        status: "invalid",
        trade: null,
        reason:
          "stops_anchor (stops relative to the fill) works on paper only: an MT5 order carries the levels as sent",
      };
    const fingerprint = orderFingerprint(intent, meta.target);
    const prior = this.book.byClientOrderId(intent.client_order_id);
    if (prior && !this.book.sameRequest(intent.client_order_id, fingerprint))
      return {
        status: "conflict",
        trade: prior.trade,
        reason: `client_order_id ${intent.client_order_id} was already used for a different order`,
      };
    if (prior) return { status: "duplicate", trade: prior.trade, reason: "client order id already executed" };
    // SL/TP far from the price are refused before anything is recorded or sent (core/risk/stop-band).
    const mid = this.quote(intent.symbol)?.mid ?? meta.fallbackMid;
    const outOfBand = mid === undefined ? [] : stopBandIssues(intent, mid);
    if (outOfBand.length) return { status: "invalid", trade: null, reason: outOfBand.map((i) => i.message).join("; ") };
    this.book.saveRequest(intent.client_order_id, fingerprint);
    const now = this.clock();
    // Paper orders live in the quote's time (market time: the replay clock on a replayed symbol).
    const at = meta.target === "connector" ? now : this.marketNow(intent.symbol, "paper");
    const trade: TradeView = {
      ...newTradeView(intent, meta.botId, meta.target, at),
      ...(meta.override ? { override: true } : {}),
    };
    if (meta.override)
      this.activity(
        tx,
        "info",
        meta.botId,
        `order ${intent.client_order_id} placed by hand with override past: ${meta.override}`,
        { override: meta.override },
        at,
      );
    if (meta.target === "connector") {
      this.book.save({ trade, position: null, positionId: null, executedAt: now });
      this.connector.enqueueOpen(intent, trade);
      this.outbox.enqueue({ kind: "trade", row: trade }, now);
      this.emit(tx, "trade", trade);
      this.activity(
        tx,
        "trade",
        meta.botId,
        `${intent.side} ${intent.volume} ${intent.symbol} sent to the connector (${intent.client_order_id})`,
      );
      return { status: "pending", trade, reason: null, dispatch: intent };
    }
    const q = this.quote(intent.symbol);
    const price = q ? { mid: q.mid } : meta.fallbackMid !== undefined ? { mid: meta.fallbackMid } : null;
    const paper = this.paper.engine;
    const result = price
      ? paper.submit(intent, { time: at, price })
      : ({ status: "rejected", reason: "no_price", message: `no price for ${intent.symbol}` } as const);
    if (result.status === "rejected") {
      const rejected: TradeView = { ...trade, status: "rejected", reason: `${result.reason}: ${result.message}` };
      this.book.save({ trade: rejected, position: null, positionId: null, executedAt: at });
      this.outbox.enqueue({ kind: "trade", row: rejected }, now);
      this.emit(tx, "trade", rejected);
      this.emit(tx, "TRADE_ERROR", {
        bot_id: meta.botId,
        client_order_id: intent.client_order_id,
        code: result.reason,
        message: result.message,
      });
      this.activity(
        tx,
        "error",
        meta.botId,
        `order ${intent.client_order_id} rejected: ${result.message}`,
        { reason: result.reason },
        at,
      );
      this.paper.save();
      return { status: "rejected", trade: rejected, reason: rejected.reason };
    }
    const opened = openedTrade(trade, result.event, result.event.time);
    const pos = positionView(opened, paper.position(result.positionId) ?? null, meta.source, result.event.time, null);
    this.book.save({ trade: opened, position: pos, positionId: result.positionId, executedAt: result.event.time });
    this.paper.save();
    this.outbox.enqueue({ kind: "trade", row: opened }, now);
    this.outbox.enqueue({ kind: "position", row: pos }, now);
    this.emit(tx, "trade", opened);
    this.emit(tx, "position_updated", pos);
    this.emitPortfolio(tx);
    this.activity(
      tx,
      "trade",
      meta.botId,
      `${opened.side} ${opened.volume} ${opened.symbol} filled at ${opened.entry_price} (paper)`,
      { trade_id: opened.id, sl: opened.stop_loss, tp: opened.take_profit },
      result.event.time,
    );
    return { status: "filled", trade: opened, reason: null };
  }

  /** After commit: hand a connector order to the link; a failure marks it error (no resend). */
  /** `resultDue`: the command is on a live connector socket (its result, and a flush with it, follow shortly). */
  async dispatch(intent: OrderIntent, botId: string | null): Promise<ExecutionResult & { resultDue?: true }> {
    const sent = await this.connector.sendOpen(intent);
    const entry = this.book.byClientOrderId(intent.client_order_id);
    if (!entry) throw new Error("dispatched order vanished from the book");
    if (sent.ok)
      return {
        status: "pending",
        trade: entry.trade,
        reason: null,
        ...(sent.onSocket ? { resultDue: true as const } : {}),
      };
    return this.write((tx) => {
      const now = this.clock();
      const failed: TradeView = { ...entry.trade, status: "error", reason: `${sent.code}: ${sent.message}` };
      this.book.save({ ...entry, trade: failed });
      this.outbox.enqueue({ kind: "trade", row: failed }, now);
      this.emit(tx, "trade", failed);
      this.emit(tx, "TRADE_ERROR", {
        bot_id: botId,
        client_order_id: intent.client_order_id,
        code: sent.code,
        message: sent.message,
      });
      this.activity(
        tx,
        "error",
        botId,
        `order ${intent.client_order_id} not sent: ${sent.message}; it will not be resent automatically`,
        { code: sent.code },
      );
      return { status: "error", trade: failed, reason: failed.reason };
    });
  }

  /**
   * A bot's exit of one of its open positions inside `tx` (exit rules, opposite signal, time): a
   * paper position closes at the current quote now; a connector position gets a CLOSE command,
   * sent after the commit (connector.sendQueued). `true` when a close was made or queued.
   */
  exitPosition(tx: Tx, entry: BookEntry, reason: "signal" | "time", message: string): boolean {
    const t = entry.trade;
    this.activity(tx, "info", t.bot_id, `exit ${t.side} ${t.symbol}: ${message}`, { trade_id: t.id, reason });
    if (t.target === "connector") {
      if (!t.broker_ticket) return false;
      this.connector.enqueueClose(t.broker_ticket, t.id, reason);
      return true;
    }
    if (!entry.positionId) return false;
    const q = this.quote(t.symbol);
    const r = this.paper.engine.close(entry.positionId, {
      time: q?.time ?? this.clock(),
      reason,
      ...(q ? { price: { mid: q.mid } } : {}),
    });
    if (r.status !== "closed") {
      this.activity(tx, "error", t.bot_id, `exit of ${t.symbol} failed: ${r.message}`, {
        trade_id: t.id,
        reason: r.reason,
      });
      return false;
    }
    this.applyPaperEvents(tx, [r.event]);
    return true;
  }

  /** A partial close (paper or broker): the trade with its new leg, the position with the rest; rows, events, activity. */
  savePartial(tx: Tx, entry: BookEntry, trade: TradeView, pos: PositionView, message: string, pnl: number): void {
    const now = this.clock();
    this.book.save({ ...entry, trade, position: pos });
    this.outbox.enqueue({ kind: "trade", row: trade }, now);
    this.outbox.enqueue({ kind: "position", row: pos }, now);
    this.emit(tx, "trade", trade);
    this.emit(tx, "position_updated", pos);
    this.activity(tx, "close", trade.bot_id, message, { trade_id: trade.id, reason: "partial", pnl }, pos.updated_at);
  }

  // ---- market data into the paper account ----------------------------------------------------

  /** Paper engine events (closes, SL moves) into trades, positions, events and outbox rows. */
  applyPaperEvents(tx: Tx, events: readonly PaperEvent[]): void {
    const now = this.clock();
    for (const e of events) {
      if (e.type === "opened") continue;
      const entry = this.book.byPaperPosition(e.positionId);
      if (!entry) continue;
      if (e.type === "closed" && e.remainingVolume !== undefined) {
        // A partial close: one more leg on the trade, the position keeps the rest.
        const trade = withLeg(entry.trade, legOf(e), e.commission);
        const pos = positionView(
          trade,
          this.paper.engine.position(e.positionId) ?? null,
          entry.position?.source ?? "bot",
          e.time,
          entry.position,
        );
        this.savePartial(
          tx,
          entry,
          trade,
          pos,
          `${trade.side} ${trade.symbol}: ${e.volume} of ${Math.round((e.volume + e.remainingVolume) * 1e8) / 1e8} closed at ${e.exitPrice}: ${e.netPnl >= 0 ? "+" : ""}${e.netPnl}; ${e.remainingVolume} still open`,
          e.netPnl,
        );
      } else if (e.type === "closed") {
        // Dated by the paper event: the market time of the bar or quote that closed it.
        const trade = closedTrade(entry.trade, e, e.time);
        const pnl = trade.pnl ?? e.netPnl;
        const pos: PositionView = {
          ...positionView(trade, null, entry.position?.source ?? "bot", e.time, entry.position),
          current_price: e.exitPrice,
          unrealized_pnl: 0,
          status: "closed",
        };
        this.book.save({ ...entry, trade, position: pos });
        this.outbox.enqueue({ kind: "trade", row: trade }, now);
        this.outbox.enqueue({ kind: "position", row: pos }, now);
        this.emit(tx, "position_closed", { ...pos, exit_price: e.exitPrice, pnl, close_reason: e.reason });
        this.emit(tx, "trade", trade);
        this.activity(
          tx,
          "close",
          trade.bot_id,
          `${trade.side} ${trade.symbol} closed by ${e.reason} at ${e.exitPrice}: ${pnl >= 0 ? "+" : ""}${pnl}`,
          { trade_id: trade.id, reason: e.reason, pnl },
          e.time,
        );
      } else {
        const mark = this.paper.engine.position(e.positionId) ?? null;
        const pos = positionView(entry.trade, mark, entry.position?.source ?? "bot", e.time, entry.position);
        const trade = { ...entry.trade, stop_loss: e.sl, take_profit: e.tp };
        this.book.save({ ...entry, trade, position: pos });
        this.outbox.enqueue({ kind: "trade", row: trade }, now);
        this.outbox.enqueue({ kind: "position", row: pos }, now);
        this.emit(tx, "trade", trade);
        this.emit(tx, "position_updated", pos);
        this.activity(
          tx,
          "info",
          trade.bot_id,
          `${trade.symbol} stop moved to ${e.sl} (${e.reason})`,
          { trade_id: trade.id },
          e.time,
        );
      }
    }
    if (events.length > 0) {
      this.paper.save();
      this.emitPortfolio(tx);
    }
  }

  /** A closed bar of mid prices: SL/TP/trailing/breakeven of open paper positions. */
  processBar(bar: {
    symbol: string;
    time: number;
    open: number;
    high: number;
    low: number;
    close: number;
  }): PaperEvent[] {
    return this.write((tx) => {
      const events = this.paper.engine.processBar(bar);
      this.applyPaperEvents(tx, events);
      if (events.length === 0) this.paper.save(); // last quote moved
      return events;
    });
  }

  /** The current quote for each symbol with open paper positions: exits, then marks pushed to browsers. */
  tick(): { symbols: number; events: number } {
    const symbols = [...new Set(this.paper.engine.positions().map((p) => p.symbol))];
    let count = 0;
    for (const symbol of symbols) {
      const q = this.quote(symbol);
      if (!q) continue;
      this.write((tx) => {
        const events = this.paper.engine.processBar({
          symbol,
          time: q.time,
          open: q.mid,
          high: q.mid,
          low: q.mid,
          close: q.mid,
        });
        this.applyPaperEvents(tx, events);
        this.paper.save();
        count += events.length;
        this.emit(tx, "POSITIONS_UPDATED", { positions: this.allOpenPositions() });
        if (events.length === 0) this.emitPortfolio(tx);
      });
    }
    return { symbols: symbols.length, events: count };
  }

  // ---- views --------------------------------------------------------------------------------

  openPositions(): PositionView[] {
    const now = this.clock();
    const paper = this.paper.engine;
    // A paper position is as of its symbol's last mark (market time); a connector one as of now.
    const marks = paper.toJSON().lastQuotes;
    return this.book.open().map((e) => {
      const mark = e.positionId ? (paper.position(e.positionId) ?? null) : null;
      return positionView(
        e.trade,
        mark,
        e.position?.source ?? "bot",
        mark ? (marks[e.trade.symbol]?.time ?? now) : now,
        e.position,
      );
    });
  }

  /** The complete list every POSITIONS_UPDATED carries: paper, bot and manual trades, and terminal positions. */
  allOpenPositions(): PositionView[] {
    return [...this.openPositions(), ...this.connector.terminalPositions()];
  }

  accountView(): AccountView {
    const paper = this.paper.engine;
    const a = paper.account();
    const quotes = paper.toJSON().lastQuotes;
    const newest = Math.max(0, ...Object.values(quotes).map((q) => q.time));
    return {
      currency: a.currency,
      balance: a.balance,
      equity: a.equity,
      unrealized_pnl: a.unrealizedPnl,
      margin_used: a.marginUsed,
      free_margin: a.freeMargin,
      margin_level: a.marginLevel,
      open_positions: a.openPositions,
      daily_pnl: newest > 0 ? paper.dailyPnl(utcDay(newest)) : 0,
    };
  }

  marketTime(): number | null {
    const quotes = Object.values(this.paper.engine.toJSON().lastQuotes);
    return quotes.length ? Math.max(...quotes.map((q) => q.time)) : null;
  }

  emitPortfolio(tx: Tx): void {
    this.emit(tx, "portfolio_update", this.accountView());
  }

  recordPrediction(tx: Tx, p: Prediction, actionable: boolean, reason: string): void {
    const failed = p.ensemble.breakdown
      .filter((b) => !b.healthy)
      .map((b) => `${b.timeframe}: ${b.error ?? "unhealthy"}`);
    this.meta.set(
      `models:${p.botId}`,
      JSON.stringify({ healthy: p.ensemble.healthyModels, total: p.ensemble.totalModels, errors: failed }),
    );
    this.emit(tx, "ML_PREDICTION_GENERATED", p);
    this.emit(tx, "signal", {
      bot_id: p.botId,
      symbol: p.symbol,
      direction: p.direction,
      confidence: p.confidence,
      bar_time: p.barTime,
      actionable,
      reason,
    });
  }
}
