// The user's object as the Worker sees it: a typed RPC interface, so the Worker never imports the
// class (durable-objects/user-bot.ts implements it). Results are plain data shared by both ends.
import type { BacktestOutcome, BacktestRequest } from "../../core/backtest/api";
import type { Bar } from "../../core/market/bar";
import type { Freshness } from "../../core/market/freshness";
import type { MarketDataFailureReason } from "../../core/market/source";
import type { Timeframe } from "../../core/market/timeframes";
import type { ConnectorStatusView } from "../../core/protocol/connector-status";
import type { PositionView } from "../../core/protocol/events";
import type { MarketBarsPush } from "../../core/protocol/market-push";
import type {
  ActiveBot,
  AutoTradingHealth,
  BotRunStatus,
  CycleResult,
  ExecutionResult,
  ManualTradeRequest,
  PortfolioStatus,
} from "../../core/protocol/portfolio-api";
import type { PositionCommandOutcome, PositionCommandRequest } from "../../core/protocol/position-commands";
import type { PredictOutcome, PredictRequest } from "../../core/protocol/predict-api";
import type { TrainJob, TrainParams } from "../../core/protocol/training";
import type { BotInfo, BotRef } from "../bots/bot-ref";

export type InferenceErrorCode = "model_not_found" | "model_load_failed" | "bad_input" | "run_failed" | "bad_output";

export type VerifyModelResult = { ok: true } | { ok: false; error: { code: InferenceErrorCode; message: string } };

export type PredictProbabilitiesResult =
  | { ok: true; modelKey: string; rows: number; probabilities: Float32Array }
  | { ok: false; modelKey: string; error: { code: InferenceErrorCode; message: string } };

export type CandlesResult =
  | { ok: true; symbol: string; timeframe: Timeframe; bars: Bar[]; source: string; freshness: Freshness; asOf: number }
  | { ok: false; reason: MarketDataFailureReason; message: string };

/** Last success/error of one (bot, timeframe) model in the object. */
export interface ModelHealthRow {
  botId: string;
  timeframe: string;
  modelVersionId: string | null;
  healthy: boolean;
  lastError: string | null;
  lastErrorAt: number | null;
  lastOkAt: number | null;
  consecutiveFailures: number;
}

export type { PositionCommandOutcome };

export type StartResult = { ok: true; job: TrainJob } | { ok: false; reason: "conflict"; job: TrainJob };

export type ExecutePlanOutcome = { ok: true; result: ExecutionResult } | { ok: false; reason: string; message: string };

/** Every method the Worker calls on a user's object (`userId` is always the verified subject). */
export interface UserBotRpc extends Rpc.DurableObjectBranded {
  fetch(request: Request): Promise<Response>;
  ping(): Promise<{ ok: true; instanceId: string; sockets: number }>;
  /** Closes (4401) the browser sockets of one session, or of every session when none is named. */
  endBrowserSessions(userId: string, sessionId?: string): number;
  predictProbabilities(modelKey: string, rows: Float32Array, featureCount: number): Promise<PredictProbabilitiesResult>;
  verifyModel(bytes: Uint8Array, featureCount: number): Promise<VerifyModelResult>;
  getCandles(symbol: string, timeframe: Timeframe, limit: number): Promise<CandlesResult>;
  /** A Delta market object's fan-out of closed bars. */
  marketBars(push: MarketBarsPush): { written: number; refused: number };
  predict(userId: string, request: PredictRequest): Promise<PredictOutcome>;
  modelHealth(userId: string, botId?: string): ModelHealthRow[];
  positionCommand(userId: string, positionId: string, req: PositionCommandRequest): Promise<PositionCommandOutcome>;
  connectorStatus(userId: string): ConnectorStatusView;
  runCycles(args: { userId: string; firedAt: number; force?: boolean; bots?: BotRef[] }): Promise<CycleResult[]>;
  executePlan(userId: string, bot: BotRef, opts?: { override?: boolean }): Promise<ExecutePlanOutcome>;
  manualTrade(userId: string, req: ManualTradeRequest, bot?: BotRef): Promise<ExecutePlanOutcome>;
  /** Market now (epoch ms) of each replayed symbol: the clock paper trades on it are dated in. */
  replayClocks(userId: string): Record<string, number>;
  portfolio(userId: string): PortfolioStatus;
  openPositions(userId: string): PositionView[];
  autoTradingStatus(userId: string, bots: BotInfo[]): BotRunStatus[];
  autoTradingHealth(userId: string, bots: BotInfo[]): AutoTradingHealth;
  activeBotsView(userId: string, bots: BotInfo[]): ActiveBot[];
  runBacktest(userId: string, botId: string, request: BacktestRequest): Promise<BacktestOutcome>;
  latestBacktest(userId: string, botId: string): Promise<BacktestOutcome>;
  startTraining(
    botId: string,
    timeframe: Timeframe,
    opts: { userId: string; symbol: string; params: TrainParams },
  ): Promise<StartResult>;
  trainingStatus(userId: string, jobId: string): TrainJob | null;
}
