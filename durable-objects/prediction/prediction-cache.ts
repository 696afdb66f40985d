// Prediction cache in the object's SQLite, one entry per (bot, "multi" | timeframe). An entry is
// reused only while its key matches: the key holds the newest bar close of every timeframe used
// plus the bot's config stamp and model version ids, so a new closed bar, an edited config or a
// new model version all invalidate it. Kept in SQLite so it survives hibernation.
import { type Prediction, PredictionSchema } from "../../core/protocol/prediction";

export class PredictionCache {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS prediction_cache (
      bot_id TEXT NOT NULL,
      label TEXT NOT NULL,
      cache_key TEXT NOT NULL,
      prediction TEXT NOT NULL,
      PRIMARY KEY (bot_id, label)
    ) WITHOUT ROWID`);
  }

  get(botId: string, label: string, key: string): Prediction | undefined {
    const row = this.sql
      .exec<{ cache_key: string; prediction: string }>(
        `SELECT cache_key, prediction FROM prediction_cache WHERE bot_id = ? AND label = ?`,
        botId,
        label,
      )
      .toArray()[0];
    if (!row || row.cache_key !== key) return undefined;
    const parsed = PredictionSchema.safeParse(JSON.parse(row.prediction));
    return parsed.success ? parsed.data : undefined; // an entry from an older schema is just a miss
  }

  put(botId: string, label: string, key: string, prediction: Prediction): void {
    this.sql.exec(
      `INSERT INTO prediction_cache (bot_id, label, cache_key, prediction) VALUES (?, ?, ?, ?)
       ON CONFLICT (bot_id, label) DO UPDATE SET cache_key = excluded.cache_key, prediction = excluded.prediction`,
      botId,
      label,
      key,
      JSON.stringify(prediction),
    );
  }
}
