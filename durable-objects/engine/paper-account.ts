import { PaperEngine } from "../../core/paper/engine";

export const DEFAULT_PAPER_BALANCE = 10_000;

/**
 * The user's paper account: PaperEngine state as JSON in one SQLite row. The in-memory engine is
 * a cache of that row; save() runs inside the transaction that changed it, and a failed
 * transaction drops the cache so the next read comes from what was committed.
 */
export class PaperAccount {
  private cached: PaperEngine | undefined;
  constructor(private readonly sql: SqlStorage) {}

  get engine(): PaperEngine {
    if (!this.cached) {
      const row = this.sql.exec<{ state: string }>(`SELECT state FROM engine_paper WHERE id = 1`).toArray()[0];
      this.cached = row
        ? PaperEngine.restore(JSON.parse(row.state))
        : PaperEngine.create({ initialBalance: DEFAULT_PAPER_BALANCE });
    }
    return this.cached;
  }

  save(): void {
    this.sql.exec(
      `INSERT INTO engine_paper (id, state) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state`,
      JSON.stringify(this.engine.toJSON()),
    );
  }

  discard(): void {
    this.cached = undefined;
  }
}
