// The engine's hot state in the user's object SQLite. Created idempotently on first use; every
// table is prefixed engine_ so it never collides with the market store's tables.
export function createEngineTables(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS engine_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
    -- Per-bot schedule and last result: one alarm per object is set to the earliest next_due_at.
    CREATE TABLE IF NOT EXISTS engine_bots (
      bot_id TEXT PRIMARY KEY,
      next_due_at INTEGER,
      last_started_at INTEGER,
      last_finished_at INTEGER,
      last_result TEXT,
      last_reason TEXT,
      last_bar_time INTEGER,
      failures INTEGER NOT NULL DEFAULT 0
    );
    -- Idempotency: one decision per (bot, bar close), written in the decision's transaction.
    CREATE TABLE IF NOT EXISTS engine_cycles (
      bot_id TEXT NOT NULL,
      bar_time INTEGER NOT NULL,
      decided_at INTEGER NOT NULL,
      outcome TEXT NOT NULL,
      reason TEXT NOT NULL,
      client_order_id TEXT,
      PRIMARY KEY (bot_id, bar_time)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS engine_trades (
      id TEXT PRIMARY KEY,
      bot_id TEXT,
      client_order_id TEXT NOT NULL UNIQUE,
      position_id TEXT,
      executed_at INTEGER NOT NULL,
      status TEXT NOT NULL,
      view TEXT NOT NULL,
      position TEXT
    );
    CREATE INDEX IF NOT EXISTS engine_trades_bot_time ON engine_trades (bot_id, executed_at);
    -- Each executed client order id's request (orderFingerprint), to tell a retry from a reuse.
    CREATE TABLE IF NOT EXISTS engine_order_requests (client_order_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS engine_paper (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS engine_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL);
    -- Rows for D1, written in the same transaction as the state change they describe.
    CREATE TABLE IF NOT EXISTS engine_outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL,
      payload TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      last_error TEXT,
      dead INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS engine_bar_marks (symbol TEXT PRIMARY KEY, last_bar_time INTEGER NOT NULL);
    -- Position commands by the client's id (paper and connector): a repeat gets the first answer.
    CREATE TABLE IF NOT EXISTS engine_command_ids (client_id TEXT PRIMARY KEY, kind TEXT NOT NULL, position_id TEXT NOT NULL, answer TEXT NOT NULL, created_at INTEGER NOT NULL);
  `);
}

export class Meta {
  constructor(private readonly sql: SqlStorage) {}
  get(k: string): string | undefined {
    return this.sql.exec<{ v: string }>(`SELECT v FROM engine_meta WHERE k = ?`, k).toArray()[0]?.v;
  }
  set(k: string, v: string): void {
    this.sql.exec(`INSERT INTO engine_meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, k, v);
  }
}
