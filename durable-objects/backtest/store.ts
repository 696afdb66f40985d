// Backtest results in the user's object SQLite: the latest few per bot (reports are up to ~1 MB).
import { type StoredBacktest, StoredBacktestSchema } from "../../core/backtest/api";

export const KEEP_PER_BOT = 5;

export class BacktestStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS backtests (id TEXT PRIMARY KEY, bot_id TEXT NOT NULL, created_at INTEGER NOT NULL, body TEXT NOT NULL)`,
    );
    sql.exec(`CREATE INDEX IF NOT EXISTS backtests_bot ON backtests (bot_id, created_at)`);
  }

  save(b: StoredBacktest): void {
    this.sql.exec(
      `INSERT INTO backtests (id, bot_id, created_at, body) VALUES (?, ?, ?, ?)`,
      b.id,
      b.bot_id,
      b.created_at,
      JSON.stringify(b),
    );
    this.sql.exec(
      `DELETE FROM backtests WHERE bot_id = ? AND id NOT IN (SELECT id FROM backtests WHERE bot_id = ? ORDER BY created_at DESC, id DESC LIMIT ?)`,
      b.bot_id,
      b.bot_id,
      KEEP_PER_BOT,
    );
  }

  latest(botId: string): StoredBacktest | undefined {
    const row = this.sql
      .exec<{ body: string }>(
        `SELECT body FROM backtests WHERE bot_id = ? ORDER BY created_at DESC, id DESC LIMIT 1`,
        botId,
      )
      .toArray()[0];
    return row ? StoredBacktestSchema.parse(JSON.parse(row.body)) : undefined;
  }
}
