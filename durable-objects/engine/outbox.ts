import { and, eq, lt } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { ActivityData, PositionView, TradeView } from "../../core/protocol/events";
import { errorMessage } from "../../core/util/error-message";
import type { Db } from "../../platform/db/client";
import { activities, positions, trades } from "../../platform/db/schema";

/** What the outbox carries to D1; each kind is written with an idempotent upsert. (Predictions are
 * written by the PredictionService itself, durable-objects/prediction/record.ts.) */
export type OutboxItem =
  | { kind: "trade"; row: TradeView }
  | { kind: "position"; row: PositionView }
  | { kind: "activity"; row: ActivityData & { seq: number; created_at: number; expires_at: number } };

export const OUTBOX_BATCH = 100;
/** After this many failed attempts a row is parked (dead=1), kept, and reported by the health check. */
export const OUTBOX_MAX_ATTEMPTS = 20;
export const backoffMs = (attempts: number) => Math.min(5 * 60_000, 1000 * 2 ** Math.min(attempts, 12));

type Row = { id: number; kind: string; payload: string; attempts: number };

export interface FlushReport {
  written: number;
  failed: number;
  remaining: number;
  error: string | null;
}

export class Outbox {
  constructor(private readonly sql: SqlStorage) {}

  /** Call inside the state change's transaction. */
  enqueue(item: OutboxItem, now: number): void {
    this.sql.exec(
      `INSERT INTO engine_outbox (kind, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?)`,
      item.kind,
      JSON.stringify(item.row),
      now,
      now,
    );
  }

  stats(now: number): { pending: number; dead: number; oldestAgeMs: number | null; nextAttemptAt: number | null } {
    const r = this.sql
      .exec<{ pending: number; dead: number; oldest: number | null; next: number | null }>(
        `SELECT SUM(dead = 0) AS pending, SUM(dead = 1) AS dead, MIN(CASE WHEN dead = 0 THEN created_at END) AS oldest,
                MIN(CASE WHEN dead = 0 THEN next_attempt_at END) AS next FROM engine_outbox`,
      )
      .one();
    return {
      pending: r.pending ?? 0,
      dead: r.dead ?? 0,
      oldestAgeMs: r.oldest === null ? null : now - r.oldest,
      nextAttemptAt: r.next,
    };
  }

  /**
   * Writes due rows to D1 in one atomic batch (plus deleting this user's expired activities). If
   * the batch fails, rows are retried one by one so a single bad row cannot hold back the rest;
   * rows that still fail stay, with backoff. Nothing is deleted here before D1 accepted it.
   */
  async flush(d: Db, userId: string, now: number): Promise<FlushReport> {
    const rows = this.sql
      .exec<Row>(
        `SELECT id, kind, payload, attempts FROM engine_outbox WHERE dead = 0 AND next_attempt_at <= ? ORDER BY id LIMIT ?`,
        now,
        OUTBOX_BATCH,
      )
      .toArray();
    if (rows.length === 0) return { written: 0, failed: 0, remaining: this.stats(now).pending, error: null };
    const expire = d.delete(activities).where(and(eq(activities.userId, userId), lt(activities.expiresAt, now)));
    try {
      await d.batch([expire, ...rows.map((r) => statement(d, userId, r))] as [
        BatchItem<"sqlite">,
        ...BatchItem<"sqlite">[],
      ]);
      this.sql.exec(
        `DELETE FROM engine_outbox WHERE id <= ? AND id >= ? AND dead = 0 AND next_attempt_at <= ?`,
        rows.at(-1)!.id,
        rows[0]!.id,
        now,
      );
      return { written: rows.length, failed: 0, remaining: this.stats(now).pending, error: null };
    } catch (batchError) {
      let written = 0;
      let lastError = message(batchError);
      for (const r of rows) {
        try {
          await statement(d, userId, r);
          this.sql.exec(`DELETE FROM engine_outbox WHERE id = ?`, r.id);
          written++;
        } catch (e) {
          lastError = message(e);
          const attempts = r.attempts + 1;
          this.sql.exec(
            `UPDATE engine_outbox SET attempts = ?, next_attempt_at = ?, last_error = ?, dead = ? WHERE id = ?`,
            attempts,
            now + backoffMs(attempts),
            lastError.slice(0, 500),
            attempts >= OUTBOX_MAX_ATTEMPTS ? 1 : 0,
            r.id,
          );
        }
      }
      return { written, failed: rows.length - written, remaining: this.stats(now).pending, error: lastError };
    }
  }
}

function message(e: unknown): string {
  return errorMessage(e);
}

function statement(d: Db, userId: string, r: Row) {
  const item = { kind: r.kind, row: JSON.parse(r.payload) } as OutboxItem;
  switch (item.kind) {
    case "trade": {
      const t = item.row;
      const values = {
        id: t.id,
        userId,
        botId: t.bot_id,
        clientOrderId: t.client_order_id,
        symbol: t.symbol,
        side: t.side,
        volume: t.volume,
        entryPrice: t.entry_price,
        exitPrice: t.exit_price,
        stopLoss: t.stop_loss,
        takeProfit: t.take_profit,
        status: t.status,
        target: t.target,
        brokerTicket: t.broker_ticket,
        pnl: t.pnl,
        commission: t.commission,
        reason: t.reason,
        openedAt: t.opened_at,
        closedAt: t.closed_at,
        createdAt: t.created_at,
        legs: t.legs ?? null,
        override: t.override ?? false,
      };
      const { id: _id, userId: _u, createdAt: _c, ...set } = values;
      return d.insert(trades).values(values).onConflictDoUpdate({ target: trades.id, set });
    }
    case "position": {
      const p = item.row;
      const values = {
        id: p.id,
        userId,
        botId: p.bot_id,
        tradeId: p.trade_id,
        symbol: p.symbol,
        side: p.side,
        volume: p.volume,
        entryPrice: p.entry_price,
        stopLoss: p.stop_loss,
        takeProfit: p.take_profit,
        currentPrice: p.current_price,
        unrealizedPnl: p.unrealized_pnl,
        source: p.source,
        brokerTicket: p.broker_ticket,
        status: p.status,
        openedAt: p.opened_at,
        updatedAt: p.updated_at,
      };
      const { id: _id, userId: _u, ...set } = values;
      return d.insert(positions).values(values).onConflictDoUpdate({ target: positions.id, set });
    }
    case "activity": {
      const a = item.row;
      return d
        .insert(activities)
        .values({
          id: a.id,
          userId,
          seq: a.seq,
          type: a.kind,
          message: a.message,
          data: { bot_id: a.bot_id, ...(a.detail ?? {}) },
          createdAt: a.created_at,
          expiresAt: a.expires_at,
        })
        .onConflictDoNothing();
    }
  }
}
