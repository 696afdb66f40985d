// The object's prediction service: bot + models from D1/R2, bars from the object's market service,
// models through the object's ORT session cache, then core/decision decides. Manual predictions
// (GET /predict, POST ml/models/{id}/predict) and the engine's cycle both come through predict().
import {
  BARS_PER_TIMEFRAME,
  decide,
  type ModelOutput,
  prepareInputs,
  singleTimeframeConfig,
} from "../../core/decision/decide";
import { featureNeeds } from "../../core/decision/feature-needs";
import { FEATURE_COUNT, FEATURE_SCHEMA } from "../../core/features/schema";
import { getInstrument } from "../../core/instruments/catalog";
import { isOpen, nextOpen } from "../../core/instruments/sessions";
import type { Bar } from "../../core/market/bar";
import type { Timeframe } from "../../core/market/timeframes";
import type { PredictOutcome, PredictRequest } from "../../core/protocol/predict-api";
import type { Prediction } from "../../core/protocol/prediction";
import { errorMessage } from "../../core/util/error-message";
import { db } from "../../platform/db/client";
import type { Env } from "../../platform/env";
import type { PredictProbabilitiesResult } from "../inference";
import type { CandlesResult } from "../market/market-service";
import { marketHours } from "../market/replay-data";
import { activeModelVersions, findBot, type ModelVersionRow } from "./bot-models";
import { ModelHealth } from "./model-health";
import { PredictionCache } from "./prediction-cache";
import { recordPrediction } from "./record";

/** Balance for risk-based sizing where no account is wired in (benches, tests without an object). */
export const DEFAULT_SIZING_BALANCE = 10_000;

export interface PredictionDeps {
  env: Pick<Env, "DB">;
  sql: SqlStorage;
  candles: (symbol: string, timeframe: Timeframe, limit: number) => Promise<CandlesResult>;
  infer: (modelKey: string, rows: Float32Array, featureCount: number) => Promise<PredictProbabilitiesResult>;
  /**
   * Balance (account currency) of the account the bot trades, for risk_pct sizing: the paper
   * account's, or the broker account the connector last reported; null while that is unknown.
   */
  balance?: (bot: { target: "paper" | "connector" }) => number | null;
  accountCurrency?: string;
  now?: () => number;
  /** The market's clock for a symbol (the replay's virtual now for a replay symbol); default: `now`. */
  marketNow?: (symbol: string) => number;
  /** Where computed predictions go; recordPrediction (D1) unless the engine routes them elsewhere. */
  record?: (userId: string, p: Prediction) => Promise<unknown>;
}

const short = (hash: string) => hash.slice(0, 12);

export class PredictionService {
  readonly health: ModelHealth;
  readonly cache: PredictionCache;
  private readonly now: () => number;

  constructor(private readonly deps: PredictionDeps) {
    this.health = new ModelHealth(deps.sql);
    this.cache = new PredictionCache(deps.sql);
    this.now = deps.now ?? Date.now;
  }

  /** `userId` must be the object's own user (the caller checks; see UserBot.predict). */
  async predict(userId: string, req: PredictRequest): Promise<PredictOutcome> {
    const d = db(this.deps.env);
    const bot = await findBot(d, userId, { botId: req.botId, symbol: req.symbol });
    if (!bot.ok) return { ok: false, code: bot.code, message: bot.message };
    const { row, config: full } = bot;
    const tfs = full.ensemble.models.map((m) => m.timeframe);
    if (req.timeframe !== "multi" && !tfs.includes(req.timeframe)) {
      return {
        ok: false,
        code: "bad_request",
        message: `timeframe ${req.timeframe} is not in this bot's ensemble (${tfs.join(", ")}); use one of them or "multi"`,
      };
    }
    const config = req.timeframe === "multi" ? full : singleTimeframeConfig(full, req.timeframe);

    // Outside the market's hours there is nothing to decide on: a calm answer with the next open, not an error.
    const hours = marketHours(config.symbol);
    const marketNow = this.deps.marketNow?.(config.symbol) ?? this.now();
    if (!isOpen(hours, marketNow)) {
      const opens = nextOpen(hours, marketNow);
      const iso = (t: number) => new Date(t).toISOString();
      return {
        ok: false,
        code: "market_closed",
        message: `${config.symbol} market is closed at ${iso(marketNow)} (market time)${opens === null ? "" : `; it opens at ${iso(opens)}`}`,
        details: {
          reason: "market_closed",
          market_time: iso(marketNow),
          ...(opens === null ? {} : { opens_at: iso(opens) }),
        },
        closed: {
          status: "market_closed",
          bot_id: row.id,
          symbol: config.symbol,
          market_time: marketNow,
          opens_at: opens,
          hours: hours.kind === "weekly" ? hours.source : "24/7",
          message: `${config.symbol} market closed${opens === null ? "" : `; opens ${iso(opens)}`}`,
        },
      };
    }
    const versions = await activeModelVersions(d, userId, row.id);

    // Bars: >= 200 decision-ready bars per timeframe on top of the feature warm-up.
    const barsByTf: Partial<Record<Timeframe, Bar[]>> = {};
    const stale: string[] = [];
    for (const { timeframe } of config.ensemble.models) {
      const r = await this.deps.candles(config.symbol, timeframe, BARS_PER_TIMEFRAME);
      if (!r.ok) {
        // A symbol/timeframe the data can't serve is the bot's configuration, not a passing outage.
        const code = r.reason === "unknown_symbol" || r.reason === "unsupported_timeframe" ? "unsupported" : "skipped";
        return {
          ok: false,
          code,
          message: `market data for ${config.symbol} ${timeframe}: ${r.message}`,
          details: { reason: r.reason },
        };
      }
      if (!r.freshness.fresh) stale.push(r.freshness.message);
      barsByTf[timeframe] = r.bars;
    }
    // Never decide on stale bars: a skip with the reason, no plan (the engine records it).
    if (stale.length)
      return {
        ok: false,
        code: "skipped",
        message: `market data is stale: ${stale.join("; ")}`,
        details: { reason: "stale" },
      };

    // Lazy features: every feature only on timeframes whose model will run; the rules' (and ATR) on the decision one.
    const withModel = config.ensemble.models.filter((m) => versions.get(m.timeframe)).map((m) => m.timeframe);
    const prepared = prepareInputs(config, barsByTf, undefined, featureNeeds(config, withModel));
    if (!prepared.ok) return { ok: false, code: "skipped", message: prepared.reason, details: { reason: "no_data" } };
    const { inputs } = prepared;

    // Never size a real order on a made-up balance: without the account's, risk_pct waits.
    const balance = this.deps.balance ? this.deps.balance(row) : DEFAULT_SIZING_BALANCE;
    if (balance === null && config.risk.sizing.mode === "risk_pct") {
      return {
        ok: false,
        code: "skipped",
        message:
          "account balance unknown: the connector has not reported the broker account yet (risk_pct sizing needs it)",
        details: { reason: "no_balance" },
      };
    }

    const label = req.timeframe;
    const key = JSON.stringify({
      balance,
      closes: inputs.closeTimes,
      bot: row.updatedAt,
      models: config.ensemble.models.map((m) => versions.get(m.timeframe)?.id ?? null),
    });
    if (!req.forceRefresh) {
      const hit = this.cache.get(row.id, label, key);
      if (hit) return { ok: true, prediction: { ...hit, cached: true } };
    }

    const outputs: Partial<Record<Timeframe, ModelOutput>> = {};
    await Promise.all(
      inputs.models.map(async (m) => {
        if (m.ok)
          outputs[m.timeframe] = await this.runModel(row.id, m.timeframe, versions.get(m.timeframe), m.features);
      }),
    );
    const prediction = decide({
      botId: row.id,
      config,
      label,
      inputs,
      outputs,
      instrument: getInstrument(config.symbol),
      balance: balance ?? DEFAULT_SIZING_BALANCE, // null only with fixed lots, where it is not used
      accountCurrency: this.deps.accountCurrency ?? "USD",
      now: this.now(),
    });
    this.cache.put(row.id, label, key, prediction);
    await (this.deps.record ?? ((u, p) => recordPrediction(this.deps.env, u, p)))(userId, prediction);
    return { ok: true, prediction };
  }

  /** One model on one row. Every failure becomes an error output (excluded by the ensemble) and a health record. */
  private async runModel(
    botId: string,
    timeframe: Timeframe,
    version: ModelVersionRow | undefined,
    features: Float32Array,
  ): Promise<ModelOutput> {
    const at = this.now();
    if (!version)
      return {
        error: `no active ${timeframe} model: upload one (PUT /api/v1/ml/models/${botId}/artifact?timeframe=${timeframe})`,
      };
    if (version.featureSchemaHash !== FEATURE_SCHEMA.hash) {
      const error = `refused: model v${version.version} was built for feature schema ${short(version.featureSchemaHash)}, this server computes '${FEATURE_SCHEMA.name}' v${FEATURE_SCHEMA.version} (${short(FEATURE_SCHEMA.hash)}); retrain or re-upload it`;
      this.health.failed(botId, timeframe, version.id, error, at);
      return { error };
    }
    let r: PredictProbabilitiesResult;
    try {
      r = await this.deps.infer(version.r2Key, features, FEATURE_COUNT);
    } catch (err) {
      r = {
        ok: false,
        modelKey: version.r2Key,
        error: { code: "run_failed", message: errorMessage(err) },
      };
    }
    if (!r.ok) {
      const error = `model v${version.version} failed (${r.error.code}): ${r.error.message}`;
      this.health.failed(botId, timeframe, version.id, error, at);
      return { error };
    }
    this.health.ok(botId, timeframe, version.id, at);
    return { probabilities: Array.from(r.probabilities.subarray(0, 3)) };
  }
}

/**
 * The engine's seam (durable-objects/engine/prediction-port.ts `Predictor`), typed structurally so
 * neither side imports the other: a multi-timeframe prediction for a bot of this object's user;
 * a skip or refusal comes back as { reason, message } (reason: stale | no_data | not_found | ...).
 */
export function enginePredictor(service: PredictionService) {
  return async (
    bot: { id: string; userId: string },
    opts: { force: boolean },
  ): Promise<{ ok: true; prediction: Prediction } | { ok: false; reason: string; message: string }> => {
    const r = await service.predict(bot.userId, { botId: bot.id, timeframe: "multi", forceRefresh: opts.force });
    if (r.ok) return r;
    const reason = typeof r.details?.["reason"] === "string" ? r.details["reason"] : r.code;
    return { ok: false, reason, message: r.message };
  };
}
