import { roundMoney } from "../../core/instruments/rounding";
import type { PositionMark } from "../../core/paper/engine";
import type { ClosedEvent, OpenedEvent } from "../../core/paper/schemas";
import type { PositionView, TradeLeg, TradeView } from "../../core/protocol/events";
import type { OrderIntent } from "../../core/protocol/orders";

type Row = {
  id: string;
  bot_id: string | null;
  client_order_id: string;
  position_id: string | null;
  executed_at: number;
  status: string;
  view: string;
  position: string | null;
};

export interface BookEntry {
  trade: TradeView;
  position: PositionView | null;
  positionId: string | null;
  executedAt: number;
}

const entry = (r: Row): BookEntry => ({
  trade: JSON.parse(r.view) as TradeView,
  position: r.position ? (JSON.parse(r.position) as PositionView) : null,
  positionId: r.position_id,
  executedAt: r.executed_at,
});

/** The object's copy of its trades and positions (hot state the gates and views read without D1). */
export class TradeBook {
  constructor(private readonly sql: SqlStorage) {}

  save(e: BookEntry): void {
    this.sql.exec(
      `INSERT INTO engine_trades (id, bot_id, client_order_id, position_id, executed_at, status, view, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET position_id = excluded.position_id, status = excluded.status, view = excluded.view, position = excluded.position`,
      e.trade.id,
      e.trade.bot_id,
      e.trade.client_order_id,
      e.positionId,
      e.executedAt,
      e.trade.status,
      JSON.stringify(e.trade),
      e.position ? JSON.stringify(e.position) : null,
    );
  }

  byClientOrderId(id: string): BookEntry | undefined {
    const r = this.sql.exec<Row>(`SELECT * FROM engine_trades WHERE client_order_id = ?`, id).toArray()[0];
    return r && entry(r);
  }

  /** Remembers the request behind a client order id (the first one wins). */
  saveRequest(clientOrderId: string, fingerprint: string): void {
    this.sql.exec(
      `INSERT INTO engine_order_requests (client_order_id, fingerprint) VALUES (?, ?) ON CONFLICT DO NOTHING`,
      clientOrderId,
      fingerprint,
    );
  }

  /** False only when a different request was recorded under the id (ids from before the record pass). */
  sameRequest(clientOrderId: string, fingerprint: string): boolean {
    const r = this.sql
      .exec<{ fingerprint: string }>(
        `SELECT fingerprint FROM engine_order_requests WHERE client_order_id = ?`,
        clientOrderId,
      )
      .toArray()[0];
    return !r || r.fingerprint === fingerprint;
  }

  byPaperPosition(positionId: string): BookEntry | undefined {
    const r = this.sql
      .exec<Row>(`SELECT * FROM engine_trades WHERE position_id = ? AND status = 'open'`, positionId)
      .toArray()[0];
    return r && entry(r);
  }

  byId(id: string): BookEntry | undefined {
    const r = this.sql.exec<Row>(`SELECT * FROM engine_trades WHERE id = ?`, id).toArray()[0];
    return r && entry(r);
  }

  open(): BookEntry[] {
    return this.sql
      .exec<Row>(`SELECT * FROM engine_trades WHERE status = 'open' ORDER BY executed_at`)
      .toArray()
      .map(entry);
  }

  /** A bot's open positions (filled, not closed), oldest first: what its exits act on. */
  openOf(botId: string): BookEntry[] {
    return this.sql
      .exec<Row>(`SELECT * FROM engine_trades WHERE bot_id = ? AND status = 'open' ORDER BY executed_at`, botId)
      .toArray()
      .map(entry);
  }

  /** A bot's trades closed since `since`, oldest close first: what its protections read. */
  closedSince(botId: string, since: number): { time: number; reason: string; pnl: number }[] {
    return this.sql
      .exec<{ time: number; reason: string | null; pnl: number | null }>(
        `SELECT json_extract(view, '$.closed_at') AS time, json_extract(view, '$.reason') AS reason, json_extract(view, '$.pnl') AS pnl
         FROM engine_trades WHERE bot_id = ? AND status = 'closed' AND json_extract(view, '$.closed_at') >= ? ORDER BY time`,
        botId,
        since,
      )
      .toArray()
      .map((r) => ({ time: r.time, reason: r.reason ?? "", pnl: r.pnl ?? 0 }));
  }

  /**
   * A bot's open positions for the max-open-positions gate: open paper positions plus orders sent
   * to the connector and not yet answered (they become positions; not counting them could overshoot).
   */
  openCount(botId: string): number {
    return this.sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM engine_trades WHERE bot_id = ? AND status IN ('pending', 'open')`,
        botId,
      )
      .one().n;
  }

  /** Executed (pending/open/closed) trades of a bot: the newest time and how many since dayStart. */
  executions(botId: string, dayStart: number): { lastAt: number | null; today: number } {
    const r = this.sql
      .exec<{ last: number | null; today: number | null }>(
        `SELECT MAX(executed_at) AS last, SUM(executed_at >= ?) AS today FROM engine_trades WHERE bot_id = ? AND status IN ('pending', 'open', 'closed')`,
        dayStart,
        botId,
      )
      .one();
    return { lastAt: r.last, today: r.today ?? 0 };
  }
}

export function newTradeView(
  intent: OrderIntent,
  botId: string | null,
  target: TradeView["target"],
  now: number,
): TradeView {
  return {
    id: crypto.randomUUID(),
    bot_id: botId,
    client_order_id: intent.client_order_id,
    symbol: intent.symbol,
    side: intent.side,
    volume: intent.volume,
    entry_price: null,
    exit_price: null,
    stop_loss: intent.sl,
    take_profit: intent.tp,
    status: "pending",
    target,
    broker_ticket: null,
    pnl: null,
    commission: 0,
    reason: null,
    opened_at: null,
    closed_at: null,
    created_at: now,
  };
}

export function openedTrade(t: TradeView, e: OpenedEvent, now: number): TradeView {
  return {
    ...t,
    status: "open",
    entry_price: e.price,
    stop_loss: e.sl,
    take_profit: e.tp,
    commission: e.commission,
    opened_at: now,
    broker_ticket: e.positionId,
  };
}

/** A paper close as a trade leg (a partial close or the last one). */
export function legOf(e: ClosedEvent): TradeLeg {
  return {
    volume: e.volume,
    price: e.exitPrice,
    commission: e.totalCommission,
    pnl: e.netPnl,
    reason: e.reason,
    at: e.time,
  };
}

/** One more closing leg on an open trade: its commission adds to the trade's. */
export function withLeg(t: TradeView, leg: TradeLeg, closeCommission: number): TradeView {
  return { ...t, legs: [...(t.legs ?? []), leg], commission: roundMoney(t.commission + closeCommission) };
}

/** The trade's realized result: the sum of its legs. */
export const legsPnl = (legs: readonly TradeLeg[]): number => roundMoney(legs.reduce((a, l) => a + l.pnl, 0));

export function closedTrade(t: TradeView, e: ClosedEvent, now: number): TradeView {
  const done = withLeg(t, legOf(e), e.commission);
  return {
    ...done,
    status: "closed",
    exit_price: e.exitPrice,
    pnl: legsPnl(done.legs ?? []),
    reason: e.reason,
    closed_at: now,
  };
}

export function positionView(
  t: TradeView,
  mark: PositionMark | null,
  source: PositionView["source"],
  now: number,
  prior: PositionView | null,
): PositionView {
  return {
    id: t.id,
    trade_id: t.id,
    bot_id: t.bot_id,
    symbol: t.symbol,
    side: t.side,
    volume: mark?.volume ?? prior?.volume ?? t.volume,
    entry_price: mark?.entryPrice ?? prior?.entry_price ?? t.entry_price ?? 0,
    stop_loss: mark ? mark.sl : (prior?.stop_loss ?? t.stop_loss),
    take_profit: mark ? mark.tp : (prior?.take_profit ?? t.take_profit),
    current_price: mark?.markPrice ?? prior?.current_price ?? null,
    // A connector position has no paper mark: its P&L is the terminal's, kept on the prior view.
    unrealized_pnl: mark?.unrealizedPnl ?? prior?.unrealized_pnl ?? 0,
    source,
    broker_ticket: t.broker_ticket,
    status: t.status === "open" ? "open" : "closed",
    opened_at: t.opened_at ?? now,
    updated_at: now,
  };
}
