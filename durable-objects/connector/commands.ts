import type { ObjectToConnectorFrame } from "../../core/protocol/connector";

export type CommandKind = "open" | "close" | "modify" | "update_sl" | "breakeven";
export type CommandStatus = "pending" | "sent" | "resolved" | "expired" | "timed_out" | "canceled";

export type CommandRow = {
  command_id: string;
  client_order_id: string;
  kind: CommandKind;
  trade_id: string | null;
  ticket: string | null;
  frame: string;
  status: CommandStatus;
  created_at: number;
  expires_at: number;
  sent_at: number | null;
  sends: number;
  resolved_at: number | null;
  outcome: string | null;
  /** The terminal binding it was first sent to (null: never sent). */
  terminal: string | null;
};

/** A command the object still owes an answer for (waiting to be sent, or sent without a result). */
export const UNRESOLVED: readonly CommandStatus[] = ["pending", "sent"];

/** connector_commands: the object's side of "every command resolved exactly once". */
export class CommandStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Call inside the transaction that changes the trade the command is for. */
  insert(c: {
    commandId: string;
    clientOrderId: string;
    kind: CommandKind;
    tradeId: string | null;
    ticket: string | null;
    frame: ObjectToConnectorFrame;
    createdAt: number;
    expiresAt: number;
  }): void {
    this.sql.exec(
      `INSERT INTO connector_commands (command_id, client_order_id, kind, trade_id, ticket, frame, status, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      c.commandId,
      c.clientOrderId,
      c.kind,
      c.tradeId,
      c.ticket,
      JSON.stringify(c.frame),
      c.createdAt,
      c.expiresAt,
    );
  }

  /** The newest command of `kind` for a trade (the open order of a pending trade). */
  forTrade(tradeId: string, kind: CommandKind): CommandRow | undefined {
    return this.sql
      .exec<CommandRow>(
        `SELECT * FROM connector_commands WHERE trade_id = ? AND kind = ? ORDER BY created_at DESC LIMIT 1`,
        tradeId,
        kind,
      )
      .toArray()[0];
  }

  get(commandId: string): CommandRow | undefined {
    return this.sql.exec<CommandRow>(`SELECT * FROM connector_commands WHERE command_id = ?`, commandId).toArray()[0];
  }

  /** Unresolved commands still inside their TTL, oldest first: what (re)goes to the connector. */
  sendable(now: number): CommandRow[] {
    return this.sql
      .exec<CommandRow>(
        `SELECT * FROM connector_commands WHERE status IN ('pending', 'sent') AND expires_at > ? ORDER BY created_at, command_id`,
        now,
      )
      .toArray();
  }

  /** Never sent, TTL passed: must not run late. */
  expiredUnsent(now: number): CommandRow[] {
    return this.sql
      .exec<CommandRow>(`SELECT * FROM connector_commands WHERE status = 'pending' AND expires_at <= ?`, now)
      .toArray();
  }

  /** Sent, no result by `before` (expires_at + grace): outcome unknown, reconcile by SYNC. */
  overdue(before: number): CommandRow[] {
    return this.sql
      .exec<CommandRow>(`SELECT * FROM connector_commands WHERE status = 'sent' AND expires_at <= ?`, before)
      .toArray();
  }

  /** Commands whose outcome SYNC must find out (timed out, or still open after a reconnect). */
  unsettled(): CommandRow[] {
    return this.sql
      .exec<CommandRow>(
        `SELECT * FROM connector_commands WHERE status IN ('pending', 'sent', 'timed_out') ORDER BY created_at`,
      )
      .toArray();
  }

  nextDeadline(graceMs: number): number | null {
    const r = this.sql
      .exec<{ d: number | null }>(
        `SELECT MIN(CASE WHEN status = 'sent' THEN expires_at + ? ELSE expires_at END) AS d FROM connector_commands WHERE status IN ('pending', 'sent')`,
        graceMs,
      )
      .one();
    return r.d;
  }

  pendingCount(): number {
    return this.sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM connector_commands WHERE status IN ('pending', 'sent', 'timed_out')`,
      )
      .one().n;
  }

  markSent(commandId: string, now: number): void {
    this.sql.exec(
      `UPDATE connector_commands SET status = 'sent', sent_at = ?, sends = sends + 1 WHERE command_id = ? AND status IN ('pending', 'sent')`,
      now,
      commandId,
    );
  }

  /** First send: binds the command to a terminal and stores the frame it carries from now on (with first_sent_at). */
  bind(commandId: string, terminal: string, frame: string): void {
    this.sql.exec(
      `UPDATE connector_commands SET terminal = ?, frame = ? WHERE command_id = ? AND terminal IS NULL`,
      terminal,
      frame,
      commandId,
    );
  }

  /**
   * Commands first sent to a socket that never said which terminal it was (bound to its session)
   * and whose session is gone: `terminal` takes them over. Returns how many.
   */
  adoptOrphans(liveBindings: readonly string[], terminal: string): number {
    const live = liveBindings.length ? `AND terminal NOT IN (${liveBindings.map(() => "?").join(", ")})` : "";
    return this.sql.exec(
      `UPDATE connector_commands SET terminal = ? WHERE status IN ('pending', 'sent') AND terminal LIKE 'session:%' ${live}`,
      terminal,
      ...liveBindings,
    ).rowsWritten;
  }

  settle(
    commandId: string,
    status: "resolved" | "expired" | "timed_out" | "canceled",
    now: number,
    outcome: string,
  ): void {
    this.sql.exec(
      `UPDATE connector_commands SET status = ?, resolved_at = ?, outcome = ? WHERE command_id = ?`,
      status,
      now,
      outcome.slice(0, 500),
      commandId,
    );
  }
}

/** Ids of reports applied once. */
export class SeenIds {
  constructor(private readonly sql: SqlStorage) {}
  has(id: string): boolean {
    return this.sql.exec(`SELECT 1 FROM connector_seen WHERE id = ?`, id).toArray().length > 0;
  }
  add(id: string, now: number): void {
    this.sql.exec(`INSERT INTO connector_seen (id, at) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, now);
  }
  /** The connector keeps a result for 7 days after expiry; keep ids a little longer. */
  trim(now: number): void {
    this.sql.exec(`DELETE FROM connector_seen WHERE at < ?`, now - 10 * 86_400_000);
  }
}

export class ConnectorState {
  constructor(private readonly sql: SqlStorage) {}
  get(k: string): string | undefined {
    return this.sql.exec<{ v: string }>(`SELECT v FROM connector_state WHERE k = ?`, k).toArray()[0]?.v;
  }
  set(k: string, v: string): void {
    this.sql.exec(
      `INSERT INTO connector_state (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`,
      k,
      v,
    );
  }
}
