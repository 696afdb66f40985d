// A backtest inside the user's object: the bot's config and active models (D1/R2), the symbol's
// stored history up to the market clock's now, the core backtester with the object's ORT sessions.
// CPU budget: one request, bounded by MAX_BACKTEST_BARS base bars (USD/CHF's whole 62,496-bar history
// takes ~1-3 s here); a longer history is cut to its newest MAX_BACKTEST_BARS bars before `from`.
import { type BacktestOutcome, type BacktestRequest, toEpoch } from "../../core/backtest/api";
import { type PredictBatch, prepareBacktest } from "../../core/backtest/engine";
import { buildReport } from "../../core/backtest/report";
import { FEATURE_SCHEMA } from "../../core/features/schema";
import { getInstrument } from "../../core/instruments/catalog";
import type { Bar } from "../../core/market/bar";
import { TIMEFRAME_MS, type Timeframe } from "../../core/market/timeframes";
import { db } from "../../platform/db/client";
import type { Env } from "../../platform/env";
import type { PredictProbabilitiesResult } from "../inference";
import { isReplaySymbol, REPLAY_SYMBOLS, replayBars } from "../market/replay-data";
import { activeModelVersions, findBot } from "../prediction/bot-models";
import { BacktestStore } from "./store";

export const MAX_BACKTEST_BARS = 80_000;
/** Stored report size: the newest trades only (the summary covers them all). */
export const STORED_TRADES = 2000;

export interface BacktestJobDeps {
  env: Pick<Env, "DB">;
  sql: SqlStorage;
  infer: (modelKey: string, rows: Float32Array, featureCount: number) => Promise<PredictProbabilitiesResult>;
  /** The market clock (replay virtual time): bars closing after it are the future and never used. */
  marketNow: (symbol: string) => number;
  now?: () => number;
}

export class BacktestJobs {
  readonly store: BacktestStore;
  constructor(private readonly deps: BacktestJobDeps) {
    this.store = new BacktestStore(deps.sql);
  }

  async run(userId: string, botId: string, req: BacktestRequest): Promise<BacktestOutcome> {
    const d = db(this.deps.env);
    const bot = await findBot(d, userId, { botId });
    if (!bot.ok) return { ok: false, code: bot.code, message: bot.message };
    const { row, config } = bot;
    if (!isReplaySymbol(config.symbol)) {
      return {
        ok: false,
        code: "unprocessable",
        message: `no stored history for ${config.symbol}: backtests run on ${Object.keys(REPLAY_SYMBOLS).join(", ")}`,
      };
    }
    const instrument = getInstrument(config.symbol);
    if (!instrument) return { ok: false, code: "unprocessable", message: `no instrument spec for ${config.symbol}` };
    const baseTf = REPLAY_SYMBOLS[config.symbol].baseTimeframe;
    const baseMs = TIMEFRAME_MS[baseTf];
    for (const m of config.ensemble.models) {
      if (TIMEFRAME_MS[m.timeframe] < baseMs || TIMEFRAME_MS[m.timeframe] % baseMs !== 0) {
        return {
          ok: false,
          code: "unprocessable",
          message: `${m.timeframe} can't be built from ${config.symbol}'s ${baseTf} history`,
        };
      }
    }
    const marketNow = this.deps.marketNow(config.symbol);
    const from = req.from === undefined ? undefined : toEpoch(req.from);
    const to = Math.min(req.to === undefined ? Infinity : toEpoch(req.to), marketNow);
    if (from !== undefined && !(from < to))
      return { ok: false, code: "bad_request", message: "from must be before to (and before the market clock's now)" };
    // Closed bars up to the market clock only; the newest MAX_BACKTEST_BARS before `to`.
    const all = replayBars(config.symbol);
    let hi = 0;
    while (hi < all.length && all[hi]!.time + baseMs <= to) hi++;
    const bars: Bar[] = all.slice(Math.max(0, hi - MAX_BACKTEST_BARS), hi);
    if (bars.length < 2)
      return { ok: false, code: "unprocessable", message: "not enough closed bars before the market clock's now" };

    const versions = await activeModelVersions(d, userId, row.id);
    const failures: string[] = [];
    const predictBatch: PredictBatch = async (tf: Timeframe, rows, n, f) => {
      const v = versions.get(tf);
      if (!v) return null;
      if (v.featureSchemaHash !== FEATURE_SCHEMA.hash) {
        failures.push(`${tf}: model v${v.version} was built for another feature schema`);
        return null;
      }
      const r = await this.deps.infer(v.r2Key, rows, f);
      if (!r.ok) {
        failures.push(`${tf}: ${r.error.code}: ${r.error.message}`);
        return null;
      }
      return r.probabilities.length >= n * 3 ? r.probabilities : null;
    };
    const missing = config.ensemble.models.filter((m) => !versions.has(m.timeframe)).map((m) => m.timeframe);
    const prep = await prepareBacktest({
      botId: row.id,
      config,
      baseTimeframe: baseTf,
      bars,
      mode: { kind: "models", predictBatch },
      instrument,
    });
    const { report } = buildReport(prep, {
      initialBalance: req.initial_balance,
      ...(from !== undefined ? { from } : {}),
      to,
      ...(req.walk_forward ? { walkForward: req.walk_forward } : {}),
      notes: [
        `history: ${bars.length} ${baseTf} bars of ${config.symbol} closed by ${new Date(to).toISOString()} (market clock)`,
        ...(missing.length ? [`no active model for ${missing.join(", ")}: counted as failed models, as live`] : []),
        ...failures.map((f) => `model failed: ${f}`),
        "walk-forward windows use the models as given (no retraining per window)",
      ],
    });
    report.trades = report.trades.slice(-STORED_TRADES);
    const now = (this.deps.now ?? Date.now)();
    const backtest = {
      id: crypto.randomUUID(),
      bot_id: row.id,
      created_at: now,
      bot_updated_at: row.updatedAt,
      report,
    };
    this.store.save(backtest);
    return { ok: true, backtest };
  }

  async latest(userId: string, botId: string): Promise<BacktestOutcome> {
    const bot = await findBot(db(this.deps.env), userId, { botId });
    if (!bot.ok) return { ok: false, code: "not_found", message: bot.message };
    const b = this.store.latest(bot.row.id);
    return b
      ? { ok: true, backtest: b }
      : { ok: false, code: "not_found", message: "no backtest for this bot yet: POST /api/v1/ml/models/{id}/backtest" };
  }
}
