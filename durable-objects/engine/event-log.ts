import type { EventData, EventType, ResyncRequired, UserEvent } from "../../core/protocol/events";

/** Events kept for reconnecting sockets; older ones are trimmed and a too-old `since` gets resync_required. */
export const EVENT_LOG_MAX = 5000;

type Row = { seq: number; type: string; at: number; data: string };

/**
 * The user's event log: seq comes from SQLite AUTOINCREMENT, so it only ever grows (even across
 * trims and restarts). append() must run inside the state change's transaction; the caller
 * broadcasts the returned events after the commit.
 */
export class EventLog {
  constructor(
    private readonly sql: SqlStorage,
    private readonly max = EVENT_LOG_MAX,
  ) {}

  append<T extends EventType>(type: T, data: EventData<T>, at: number): UserEvent {
    const row = this.sql
      .exec<{ seq: number }>(
        `INSERT INTO engine_events (type, at, data) VALUES (?, ?, ?) RETURNING seq`,
        type,
        at,
        JSON.stringify(data),
      )
      .one();
    if (row.seq % 100 === 0) this.trim();
    return { seq: row.seq, type, at, data } as UserEvent;
  }

  trim(): void {
    this.sql.exec(`DELETE FROM engine_events WHERE seq <= (SELECT MAX(seq) FROM engine_events) - ?`, this.max);
  }

  latestSeq(): number {
    return (
      this.sql
        .exec<{ s: number | null }>(`SELECT seq AS s FROM sqlite_sequence WHERE name = 'engine_events'`)
        .toArray()[0]?.s ?? 0
    );
  }

  /** Events after `since` in order, or a resync frame when some of them were trimmed away. */
  since(since: number): { events: UserEvent[] } | { resync: ResyncRequired } {
    const latest = this.latestSeq();
    const oldest = this.sql.exec<{ s: number | null }>(`SELECT MIN(seq) AS s FROM engine_events`).one().s ?? latest + 1;
    if (since < latest && since + 1 < oldest) {
      return { resync: { type: "resync_required", since, oldest_seq: oldest, latest_seq: latest } };
    }
    const rows = this.sql
      .exec<Row>(`SELECT seq, type, at, data FROM engine_events WHERE seq > ? ORDER BY seq`, since)
      .toArray();
    return { events: rows.map((r) => ({ seq: r.seq, type: r.type, at: r.at, data: JSON.parse(r.data) }) as UserEvent) };
  }
}
