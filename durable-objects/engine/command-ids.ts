import type {
  PositionCommandAccepted,
  PositionCommandOutcome,
  PositionCommandRequest,
} from "../../core/protocol/position-commands";

/**
 * Idempotency of position commands by the client's id, for paper and connector positions alike.
 * `seen` and `remember` run inside the command's transaction, so a repeat that arrives while the
 * first is still being sent finds it.
 */
export class CommandIds {
  constructor(private readonly sql: SqlStorage) {}

  /** The first answer for this client id (duplicate: true), a conflict if it named another command, or null. */
  seen(positionId: string, req: PositionCommandRequest): PositionCommandOutcome | null {
    if (!req.client_id) return null;
    const r = this.sql
      .exec<{ kind: string; position_id: string; answer: string }>(
        `SELECT kind, position_id, answer FROM engine_command_ids WHERE client_id = ?`,
        req.client_id,
      )
      .toArray()[0];
    if (!r) return null;
    if (r.kind !== req.kind || r.position_id !== positionId) {
      return {
        ok: false,
        code: "conflict",
        message: `client_id ${req.client_id} was already used for a ${r.kind} of ${r.position_id}`,
      };
    }
    return { ok: true, accepted: { ...(JSON.parse(r.answer) as PositionCommandAccepted), duplicate: true } };
  }

  remember(positionId: string, req: PositionCommandRequest, answer: PositionCommandAccepted, now: number): void {
    if (!req.client_id) return;
    this.sql.exec(
      `INSERT INTO engine_command_ids (client_id, kind, position_id, answer, created_at) VALUES (?, ?, ?, ?, ?)`,
      req.client_id,
      req.kind,
      positionId,
      JSON.stringify(answer),
      now,
    );
  }
}
