import { INSTRUMENTS } from "../../core/instruments/catalog";
import { pnlInAccount } from "../../core/instruments/pnl";
import { roundMoney } from "../../core/instruments/rounding";
import type { BrokerPosition } from "../../core/protocol/connector";
import type { PositionView, TradeLeg, TradeView } from "../../core/protocol/events";
import type { EngineCore, Tx } from "../engine/engine";
import type { BookEntry } from "../engine/trade-book";
import { legsPnl, positionView, withLeg } from "../engine/trade-book";

/**
 * Connector positions: bot/manual trades live in the engine's trade book (keyed by broker ticket),
 * positions opened by hand in the terminal in connector_terminal_positions. Every change goes to
 * the engine's outbox (D1) and event log in the caller's transaction.
 */
export type Located =
  | { kind: "trade"; entry: BookEntry; position: PositionView }
  | { kind: "terminal"; position: PositionView };

export const terminalPositionId = (ticket: string) => `term:${ticket}`;

export class TerminalPositions {
  constructor(private readonly sql: SqlStorage) {}
  all(): PositionView[] {
    return this.sql
      .exec<{ view: string }>(`SELECT view FROM connector_terminal_positions ORDER BY ticket`)
      .toArray()
      .map((r) => JSON.parse(r.view) as PositionView);
  }
  get(ticket: string): PositionView | undefined {
    const r = this.sql
      .exec<{ view: string }>(`SELECT view FROM connector_terminal_positions WHERE ticket = ?`, ticket)
      .toArray()[0];
    return r ? (JSON.parse(r.view) as PositionView) : undefined;
  }
  put(ticket: string, view: PositionView): void {
    this.sql.exec(
      `INSERT INTO connector_terminal_positions (ticket, view) VALUES (?, ?) ON CONFLICT (ticket) DO UPDATE SET view = excluded.view`,
      ticket,
      JSON.stringify(view),
    );
  }
  remove(ticket: string): void {
    this.sql.exec(`DELETE FROM connector_terminal_positions WHERE ticket = ?`, ticket);
  }
}

/** Open connector trades of the book by broker ticket. */
export function openConnectorTrades(core: EngineCore): Map<string, BookEntry> {
  const out = new Map<string, BookEntry>();
  for (const e of core.book.open())
    if (e.trade.target === "connector" && e.trade.broker_ticket) out.set(e.trade.broker_ticket, e);
  return out;
}

export function locate(core: EngineCore, terminal: TerminalPositions, positionIdOrTicket: string): Located | undefined {
  for (const e of core.book.open()) {
    if (e.trade.target !== "connector" || !e.trade.broker_ticket) continue;
    if (e.trade.id === positionIdOrTicket || e.trade.broker_ticket === positionIdOrTicket)
      return {
        kind: "trade",
        entry: e,
        position: e.position ?? positionView(e.trade, null, e.trade.bot_id ? "bot" : "manual", core.clock(), null),
      };
  }
  const ticket = positionIdOrTicket.startsWith("term:") ? positionIdOrTicket.slice(5) : positionIdOrTicket;
  const t = terminal.get(ticket);
  return t ? { kind: "terminal", position: t } : undefined;
}

const sourceOf = (t: TradeView): PositionView["source"] => (t.bot_id ? "bot" : "manual");

/** AUTO_TRADE_EXECUTED needs the bar: the cycle's client id is `${botId}:${barTime}`. */
function barTimeOf(t: TradeView): number | null {
  if (!t.bot_id || !t.client_order_id.startsWith(`${t.bot_id}:`)) return null;
  const n = Number(t.client_order_id.slice(t.bot_id.length + 1));
  return Number.isSafeInteger(n) ? n : null;
}

export interface Fill {
  ticket: string;
  price: number;
  volume: number;
  sl: number | null;
  tp: number | null;
  at: number;
}

/** A pending connector trade became a position at the broker. No-op (false) unless it was pending. */
export function openTrade(core: EngineCore, tx: Tx, entry: BookEntry, fill: Fill, how: string): boolean {
  if (entry.trade.status !== "pending") return false;
  const now = core.clock();
  const opened: TradeView = {
    ...entry.trade,
    status: "open",
    entry_price: fill.price,
    broker_ticket: fill.ticket,
    volume: fill.volume,
    stop_loss: fill.sl,
    take_profit: fill.tp,
    opened_at: fill.at,
    reason: null,
  };
  const pos: PositionView = { ...positionView(opened, null, sourceOf(opened), now, null), current_price: fill.price };
  core.book.save({ trade: opened, position: pos, positionId: null, executedAt: entry.executedAt });
  core.outbox.enqueue({ kind: "trade", row: opened }, now);
  core.outbox.enqueue({ kind: "position", row: pos }, now);
  core.emit(tx, "trade", opened);
  core.emit(tx, "position_updated", pos);
  const bar = barTimeOf(opened);
  if (opened.bot_id && bar !== null)
    core.emit(tx, "AUTO_TRADE_EXECUTED", { bot_id: opened.bot_id, bar_time: bar, trade: opened });
  core.activity(
    tx,
    "trade",
    opened.bot_id,
    `${opened.side} ${opened.volume} ${opened.symbol} filled at ${fill.price}, ticket ${fill.ticket} (${how})`,
    { trade_id: opened.id, ticket: fill.ticket },
  );
  return true;
}

/** A pending trade the broker refused (or that never reached it). */
export function failTrade(
  core: EngineCore,
  tx: Tx,
  entry: BookEntry,
  status: "rejected" | "error",
  reason: string,
): boolean {
  if (entry.trade.status !== "pending") return false;
  const now = core.clock();
  const failed: TradeView = { ...entry.trade, status, reason: reason.slice(0, 300) };
  core.book.save({ ...entry, trade: failed });
  core.outbox.enqueue({ kind: "trade", row: failed }, now);
  core.emit(tx, "trade", failed);
  return true;
}

/**
 * P&L of `volume` lots of an open trade closed at `price`, from the instrument's spec in the
 * broker account's currency (the TRADE_RESULT carries no profit); null when it cannot be derived.
 */
export function legPnl(t: TradeView, volume: number, price: number, currency: string): number | null {
  const spec = INSTRUMENTS[t.symbol];
  if (!spec || t.entry_price === null) return null;
  try {
    return roundMoney(pnlInAccount(spec, t.side, volume, t.entry_price, price, currency));
  } catch {
    return null; // no conversion to the account's currency
  }
}

const round8 = (v: number) => Math.round(v * 1e8) / 1e8;

/** What is still open of a trade: its volume less its closing legs. */
export const openVolume = (t: TradeView): number => round8(t.volume - (t.legs ?? []).reduce((a, l) => a + l.volume, 0));

/** A partial close at the broker: one more leg on the trade, the position keeps the rest. No-op (false) unless open. */
export function reduceTrade(core: EngineCore, tx: Tx, entry: BookEntry, leg: TradeLeg): boolean {
  if (entry.trade.status !== "open") return false;
  const now = core.clock();
  const prior = entry.position ?? positionView(entry.trade, null, sourceOf(entry.trade), now, null);
  const trade = withLeg(entry.trade, leg, leg.commission);
  // From the legs, not the last positions list (which may already show this close).
  const remaining = openVolume(trade);
  const share = prior.volume > 0 ? remaining / prior.volume : 0;
  const pos: PositionView = {
    ...prior,
    volume: remaining,
    unrealized_pnl: roundMoney(prior.unrealized_pnl * share),
    updated_at: now,
  };
  core.savePartial(
    tx,
    entry,
    trade,
    pos,
    `${trade.side} ${trade.symbol} ticket ${trade.broker_ticket}: ${leg.volume} of ${round8(remaining + leg.volume)} closed at ${leg.price}: ${leg.pnl >= 0 ? "+" : ""}${leg.pnl}; ${remaining} still open`,
    leg.pnl,
  );
  return true;
}

/**
 * The whole (rest of the) position is gone at the broker: the last leg is recorded, the trade
 * closes with pnl = the sum of its legs. `exit.pnl` is the broker's figure for the last leg when
 * known (a deal), else it is derived from the price (`currency`), else the last mark's.
 */
export function closeTrade(
  core: EngineCore,
  tx: Tx,
  entry: BookEntry,
  exit: { price: number; at: number; pnl: number | null; reason: string; currency?: string; commission?: number },
): boolean {
  if (entry.trade.status !== "open") return false;
  const now = core.clock();
  const prior = entry.position;
  const volume = openVolume(entry.trade);
  const derived = exit.currency ? legPnl(entry.trade, volume, exit.price, exit.currency) : null;
  const commission = exit.commission ?? 0;
  const last: TradeLeg = {
    volume,
    price: exit.price,
    commission,
    pnl: roundMoney((exit.pnl ?? derived ?? prior?.unrealized_pnl ?? 0) - commission),
    reason: exit.reason,
    at: exit.at,
  };
  const legged = withLeg(entry.trade, last, commission);
  const pnl = legsPnl(legged.legs ?? []);
  const trade: TradeView = {
    ...legged,
    status: "closed",
    exit_price: exit.price,
    closed_at: exit.at,
    pnl,
    reason: exit.reason,
  };
  const pos: PositionView = {
    ...positionView(trade, null, prior?.source ?? sourceOf(trade), now, prior),
    current_price: exit.price,
    unrealized_pnl: 0,
    status: "closed",
  };
  core.book.save({ ...entry, trade, position: pos });
  core.outbox.enqueue({ kind: "trade", row: trade }, now);
  core.outbox.enqueue({ kind: "position", row: pos }, now);
  core.emit(tx, "position_closed", { ...pos, exit_price: exit.price, pnl, close_reason: exit.reason });
  core.emit(tx, "trade", trade);
  core.activity(
    tx,
    "close",
    trade.bot_id,
    `${trade.side} ${trade.symbol} ticket ${trade.broker_ticket} closed at ${exit.price} (${exit.reason})`,
    { trade_id: trade.id, reason: exit.reason, pnl },
  );
  return true;
}

/** New levels / volume / marks of an open trade's position. Emits only when something changed. */
export function updateTradePosition(
  core: EngineCore,
  tx: Tx,
  entry: BookEntry,
  patch: Partial<Pick<PositionView, "stop_loss" | "take_profit" | "volume" | "current_price" | "unrealized_pnl">>,
): boolean {
  const now = core.clock();
  const prior = entry.position ?? positionView(entry.trade, null, sourceOf(entry.trade), now, null);
  const next: PositionView = { ...prior, ...patch, updated_at: now };
  if (samePosition(prior, next)) return false;
  const trade: TradeView = { ...entry.trade, stop_loss: next.stop_loss, take_profit: next.take_profit };
  core.book.save({ ...entry, trade, position: next });
  core.outbox.enqueue({ kind: "position", row: next }, now);
  if (trade.stop_loss !== entry.trade.stop_loss || trade.take_profit !== entry.trade.take_profit) {
    core.outbox.enqueue({ kind: "trade", row: trade }, now);
    core.emit(tx, "trade", trade);
  }
  core.emit(tx, "position_updated", next);
  return true;
}

export function samePosition(a: PositionView, b: PositionView): boolean {
  return (
    a.stop_loss === b.stop_loss &&
    a.take_profit === b.take_profit &&
    a.volume === b.volume &&
    a.current_price === b.current_price &&
    a.unrealized_pnl === b.unrealized_pnl &&
    a.status === b.status
  );
}

export function terminalView(p: BrokerPosition, now: number, prior: PositionView | undefined): PositionView {
  return {
    id: terminalPositionId(p.ticket),
    trade_id: null,
    bot_id: null,
    symbol: p.symbol,
    side: p.side,
    volume: p.volume,
    entry_price: p.open_price,
    stop_loss: p.sl,
    take_profit: p.tp,
    current_price: p.current_price ?? prior?.current_price ?? null,
    unrealized_pnl: p.profit,
    source: "terminal",
    broker_ticket: p.ticket,
    status: "open",
    opened_at: p.opened_at,
    updated_at:
      prior &&
      samePosition(prior, {
        ...prior,
        stop_loss: p.sl,
        take_profit: p.tp,
        volume: p.volume,
        current_price: p.current_price ?? prior.current_price,
        unrealized_pnl: p.profit,
      })
        ? prior.updated_at
        : now,
  };
}

/**
 * A fill at the broker of an order that already filled under another ticket (a terminal that ran a
 * re-sent command again): the client order id it repeats, or undefined. Matched by the position's
 * client id, else by its comment (the client id cut to 31 characters, docs/CONNECTOR_PROTOCOL.md).
 */
export function duplicateOf(
  core: EngineCore,
  p: Pick<BrokerPosition, "ticket" | "client_order_id" | "comment">,
): string | undefined {
  const select = `SELECT client_order_id AS c, json_extract(view, '$.broker_ticket') AS t FROM engine_trades
    WHERE status IN ('open', 'closed') AND json_extract(view, '$.target') = 'connector' AND`;
  const row = p.client_order_id
    ? core.sql.exec<{ c: string; t: string | null }>(`${select} client_order_id = ?`, p.client_order_id).toArray()[0]
    : p.comment.length >= 8
      ? core.sql
          .exec<{ c: string; t: string | null }>(`${select} substr(client_order_id, 1, 31) = ? LIMIT 1`, p.comment)
          .toArray()[0]
      : undefined;
  return row && row.t !== null && row.t !== p.ticket ? row.c : undefined;
}

/**
 * Records a duplicate execution: kept beside terminal positions (so it can be closed in one click
 * and is closed when it disappears) but with source "duplicate", an error activity and a
 * TRADE_ERROR duplicate_execution for the dashboard's notification. Returns false when already known.
 */
export function flagDuplicate(
  core: EngineCore,
  tx: Tx,
  terminal: TerminalPositions,
  p: BrokerPosition,
  clientOrderId: string,
  via: string,
): boolean {
  const prior = terminal.get(p.ticket);
  const now = core.clock();
  const view: PositionView = { ...terminalView(p, now, prior), source: "duplicate", duplicate_of: clientOrderId };
  terminal.put(p.ticket, view);
  core.outbox.enqueue({ kind: "position", row: view }, now);
  core.emit(tx, "position_updated", view);
  if (prior?.source === "duplicate") return false;
  const botId = core.book.byClientOrderId(clientOrderId)?.trade.bot_id ?? null;
  const message = `DUPLICATE EXECUTION: order ${clientOrderId} filled a second time at the broker (${p.side} ${p.volume} ${p.symbol}, ticket ${p.ticket}, ${via}); it is not a position of the bot: close it`;
  core.emit(tx, "TRADE_ERROR", { bot_id: botId, client_order_id: clientOrderId, code: "duplicate_execution", message });
  core.activity(tx, "error", botId, message, {
    ticket: p.ticket,
    client_order_id: clientOrderId,
    position_id: view.id,
    duplicate: true,
  });
  return true;
}
