import type { EventData, EventType, ResyncRequired, UserEvent } from "../../core/protocol/events";

/** Events kept for reconnecting sockets; older ones are trimmed and a too-old `since` gets resync_required. */
export const EVENT_LOG_MAX = 5000;
/**
 * Events a connected browser has not acked are kept beyond EVENT_LOG_MAX, up to this many; past it
 * they go and that browser is told exactly which event types it missed (ResyncRequired.reload).
 */
export const EVENT_LOG_HARD_MAX = 50_000;

/** The connected readers of the log (browser sockets): what they acked, and how to warn them. */
export interface LogReaders {
  /** Lowest seq acked by a connected reader; null when none is connected. */
  ackedFloor(): number | null;
  /** Called before events up to `cutoff` go: readers that acked less get `notice(theirAck)`. */
  dropping(cutoff: number, notice: (since: number) => ResyncRequired): void;
}

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
    private readonly readers: LogReaders | null = null,
    private readonly hardMax = EVENT_LOG_HARD_MAX,
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

  /**
   * Drops events older than the last `max`, except those a connected browser has not acked (kept up
   * to `hardMax`). A browser whose unacked events must go anyway is told before they do.
   */
  trim(): void {
    const latest = this.sql.exec<{ s: number | null }>(`SELECT MAX(seq) AS s FROM engine_events`).one().s;
    if (latest === null) return;
    const floor = this.readers?.ackedFloor() ?? null;
    let cutoff = latest - this.max;
    if (floor !== null && floor < cutoff) cutoff = Math.max(floor, latest - this.hardMax);
    if (cutoff <= 0) return;
    if (floor !== null && floor < cutoff) {
      const oldest = cutoff + 1;
      this.readers?.dropping(cutoff, (since) => ({
        type: "resync_required",
        since,
        oldest_seq: oldest,
        latest_seq: latest,
        reload: this.sql
          .exec<{ type: string }>(
            `SELECT DISTINCT type FROM engine_events WHERE seq > ? AND seq <= ? ORDER BY type`,
            since,
            cutoff,
          )
          .toArray()
          .map((r) => r.type),
      }));
    }
    this.sql.exec(`DELETE FROM engine_events WHERE seq <= ?`, cutoff);
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
