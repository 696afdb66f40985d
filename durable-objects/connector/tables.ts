// The connector's state in the user's object SQLite (prefixed connector_). Created idempotently.
export function createConnectorTables(sql: SqlStorage): void {
  sql.exec(`
    -- Every command for the connector, written in the same transaction as the trade change it is for.
    -- status: pending (not yet on a socket) | sent | resolved | expired (never sent in time) | timed_out (sent, no result).
    CREATE TABLE IF NOT EXISTS connector_commands (
      command_id TEXT PRIMARY KEY,
      client_order_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      trade_id TEXT,
      ticket TEXT,
      frame TEXT NOT NULL,
      status TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      sent_at INTEGER,
      sends INTEGER NOT NULL DEFAULT 0,
      resolved_at INTEGER,
      outcome TEXT
    );
    CREATE INDEX IF NOT EXISTS connector_commands_open ON connector_commands (status, expires_at);
    CREATE INDEX IF NOT EXISTS connector_commands_client ON connector_commands (client_order_id);
    -- Ids of reports already applied (TRADE_RESULT / TRADE_ERROR / POSITIONS_UPDATE): a re-send is ACKed, not applied.
    CREATE TABLE IF NOT EXISTS connector_seen (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
    -- Positions at the broker that no command of ours opened (opened by hand in the terminal).
    CREATE TABLE IF NOT EXISTS connector_terminal_positions (ticket TEXT PRIMARY KEY, view TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS connector_state (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
  `);
  // The terminal a command was first sent to ("server|login", or "session:<id>" while unidentified):
  // it is re-sent to that terminal only. Added to tables created before it existed.
  const columns = sql.exec<{ name: string }>(`PRAGMA table_info(connector_commands)`).toArray();
  if (!columns.some((c) => c.name === "terminal")) sql.exec(`ALTER TABLE connector_commands ADD COLUMN terminal TEXT`);
}
