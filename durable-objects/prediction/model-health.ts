// Per-model health in the object's SQLite: the last error (or success) of every (bot, timeframe)
// model, so the auto-trading health endpoint can show which models are excluded and why.
import type { ModelHealthRow } from "../../platform/rpc/user-bot";

export type { ModelHealthRow };

type Row = {
  bot_id: string;
  timeframe: string;
  model_version_id: string | null;
  healthy: number;
  last_error: string | null;
  last_error_at: number | null;
  last_ok_at: number | null;
  consecutive_failures: number;
};

export class ModelHealth {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS model_health (
      bot_id TEXT NOT NULL,
      timeframe TEXT NOT NULL,
      model_version_id TEXT,
      healthy INTEGER NOT NULL,
      last_error TEXT,
      last_error_at INTEGER,
      last_ok_at INTEGER,
      consecutive_failures INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (bot_id, timeframe)
    ) WITHOUT ROWID`);
  }

  ok(botId: string, timeframe: string, modelVersionId: string, at: number): void {
    this.sql.exec(
      `INSERT INTO model_health (bot_id, timeframe, model_version_id, healthy, last_ok_at, consecutive_failures) VALUES (?, ?, ?, 1, ?, 0)
       ON CONFLICT (bot_id, timeframe) DO UPDATE SET model_version_id = excluded.model_version_id, healthy = 1, last_ok_at = excluded.last_ok_at, consecutive_failures = 0`,
      botId,
      timeframe,
      modelVersionId,
      at,
    );
  }

  failed(botId: string, timeframe: string, modelVersionId: string | null, error: string, at: number): void {
    this.sql.exec(
      `INSERT INTO model_health (bot_id, timeframe, model_version_id, healthy, last_error, last_error_at, consecutive_failures) VALUES (?, ?, ?, 0, ?, ?, 1)
       ON CONFLICT (bot_id, timeframe) DO UPDATE SET model_version_id = excluded.model_version_id, healthy = 0, last_error = excluded.last_error,
         last_error_at = excluded.last_error_at, consecutive_failures = model_health.consecutive_failures + 1`,
      botId,
      timeframe,
      modelVersionId,
      error,
      at,
    );
  }

  /** Every recorded model of one bot, or of all bots. */
  list(botId?: string): ModelHealthRow[] {
    const rows =
      botId === undefined
        ? this.sql.exec<Row>(`SELECT * FROM model_health ORDER BY bot_id, timeframe`).toArray()
        : this.sql.exec<Row>(`SELECT * FROM model_health WHERE bot_id = ? ORDER BY timeframe`, botId).toArray();
    return rows.map((r) => ({
      botId: r.bot_id,
      timeframe: r.timeframe,
      modelVersionId: r.model_version_id,
      healthy: r.healthy === 1,
      lastError: r.last_error,
      lastErrorAt: r.last_error_at,
      lastOkAt: r.last_ok_at,
      consecutiveFailures: r.consecutive_failures,
    }));
  }
}
