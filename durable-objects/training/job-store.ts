import type { Timeframe } from "../../core/market/timeframes";
import type {
  TrainingEventRecord,
  TrainJob,
  TrainMetrics,
  TrainParams,
  TrainResult,
  TrainStage,
} from "../../core/protocol/training";

type Status = TrainJob["status"];

/** A job row as stored; JSON columns parsed. Trainer state and bars are separate (big) columns. */
export interface JobRecord {
  id: string;
  userId: string;
  botId: string;
  symbol: string;
  timeframe: Timeframe;
  status: Status;
  stage: TrainStage;
  pct: number;
  slices: number;
  params: TrainParams;
  metrics: TrainMetrics;
  result: TrainResult | null;
  error: TrainJob["error"];
  createdAt: number;
  updatedAt: number;
}

type Row = {
  id: string;
  user_id: string;
  bot_id: string;
  symbol: string;
  timeframe: string;
  status: string;
  stage: string;
  pct: number;
  slices: number;
  params: string;
  metrics: string;
  result: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
};

const COLS =
  "id, user_id, bot_id, symbol, timeframe, status, stage, pct, slices, params, metrics, result, error, created_at, updated_at";
/** Finished jobs kept per object (with their events); older ones are deleted on insert. */
export const KEEP_FINISHED_JOBS = 50;

/** Training jobs in the object's SQLite: one row per job, bars and trainer state as JSON blobs (< 2 MB a row). */
export class JobStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS training_jobs (
      id TEXT PRIMARY KEY, user_id TEXT NOT NULL, bot_id TEXT NOT NULL, symbol TEXT NOT NULL, timeframe TEXT NOT NULL,
      status TEXT NOT NULL, stage TEXT NOT NULL, pct REAL NOT NULL, slices INTEGER NOT NULL DEFAULT 0,
      params TEXT NOT NULL, metrics TEXT NOT NULL DEFAULT '{}', result TEXT, error TEXT,
      bars TEXT, trainer TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`);
    sql.exec(`CREATE INDEX IF NOT EXISTS training_jobs_open ON training_jobs (status, created_at)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS training_events (
      job_id TEXT NOT NULL, n INTEGER NOT NULL, type TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (job_id, n)) WITHOUT ROWID`);
  }

  insert(job: JobRecord): void {
    this.sql.exec(
      `INSERT INTO training_jobs (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      job.id,
      job.userId,
      job.botId,
      job.symbol,
      job.timeframe,
      job.status,
      job.stage,
      job.pct,
      job.slices,
      JSON.stringify(job.params),
      JSON.stringify(job.metrics),
      null,
      null,
      job.createdAt,
      job.updatedAt,
    );
    const old = this.sql
      .exec<{ id: string }>(
        `SELECT id FROM training_jobs WHERE status IN ('done', 'failed') ORDER BY created_at DESC LIMIT -1 OFFSET ?`,
        KEEP_FINISHED_JOBS,
      )
      .toArray();
    for (const o of old) {
      this.sql.exec(`DELETE FROM training_events WHERE job_id = ?`, o.id);
      this.sql.exec(`DELETE FROM training_jobs WHERE id = ?`, o.id);
    }
  }

  get(id: string): JobRecord | undefined {
    const r = this.sql.exec<Row>(`SELECT ${COLS} FROM training_jobs WHERE id = ?`, id).toArray()[0];
    return r && toRecord(r);
  }

  /** The queued or running job of (bot, timeframe), if any. */
  openFor(botId: string, timeframe: string): JobRecord | undefined {
    const r = this.sql
      .exec<Row>(
        `SELECT ${COLS} FROM training_jobs WHERE bot_id = ? AND timeframe = ? AND status IN ('queued', 'running') LIMIT 1`,
        botId,
        timeframe,
      )
      .toArray()[0];
    return r && toRecord(r);
  }

  /** The oldest unfinished job: jobs run one at a time per object, in order. */
  nextOpen(): JobRecord | undefined {
    const r = this.sql
      .exec<Row>(
        `SELECT ${COLS} FROM training_jobs WHERE status IN ('queued', 'running') ORDER BY created_at, id LIMIT 1`,
      )
      .toArray()[0];
    return r && toRecord(r);
  }

  save(job: JobRecord): void {
    this.sql.exec(
      `UPDATE training_jobs SET status = ?, stage = ?, pct = ?, slices = ?, metrics = ?, result = ?, error = ?, updated_at = ? WHERE id = ?`,
      job.status,
      job.stage,
      job.pct,
      job.slices,
      JSON.stringify(job.metrics),
      job.result && JSON.stringify(job.result),
      job.error && JSON.stringify(job.error),
      job.updatedAt,
      job.id,
    );
  }

  setBlob(id: string, column: "bars" | "trainer", json: string | null): void {
    this.sql.exec(`UPDATE training_jobs SET ${column} = ? WHERE id = ?`, json, id);
  }

  blob(id: string, column: "bars" | "trainer"): string | null {
    return (
      this.sql.exec<{ v: string | null }>(`SELECT ${column} AS v FROM training_jobs WHERE id = ?`, id).toArray()[0]
        ?.v ?? null
    );
  }

  addEvent(jobId: string, type: string, at: number, data: unknown): void {
    this.sql.exec(
      `INSERT INTO training_events (job_id, n, type, at, data) VALUES (?, (SELECT COALESCE(MAX(n), 0) + 1 FROM training_events WHERE job_id = ?), ?, ?, ?)`,
      jobId,
      jobId,
      type,
      at,
      JSON.stringify(data),
    );
  }

  events(jobId: string): TrainingEventRecord[] {
    return this.sql
      .exec<{ type: string; at: number; data: string }>(
        `SELECT type, at, data FROM training_events WHERE job_id = ? ORDER BY n`,
        jobId,
      )
      .toArray()
      .map((e) => ({ type: e.type, at: e.at, data: JSON.parse(e.data) }) as TrainingEventRecord);
  }
}

function toRecord(r: Row): JobRecord {
  return {
    id: r.id,
    userId: r.user_id,
    botId: r.bot_id,
    symbol: r.symbol,
    timeframe: r.timeframe as Timeframe,
    status: r.status as Status,
    stage: r.stage as TrainStage,
    pct: r.pct,
    slices: r.slices,
    params: JSON.parse(r.params) as TrainParams,
    metrics: JSON.parse(r.metrics) as TrainMetrics,
    result: r.result === null ? null : (JSON.parse(r.result) as TrainResult),
    error: r.error === null ? null : (JSON.parse(r.error) as TrainJob["error"]),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
