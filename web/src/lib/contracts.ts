// Request/response types the dashboard uses, inferred from the shared zod schemas in core/protocol.
// Type-only imports: zod itself never enters the browser bundle (the server validates; the client
// trusts its own API's typed answers and surfaces the error JSON when it refuses).

export type { Timeframe } from "@core/market/timeframes";
export type { AuthSession, ChangePasswordRequest, LoginRequest, RegisterRequest, User } from "@core/protocol/auth";
export type { BotConfig, BotConfigInput, EnsembleModel } from "@core/protocol/bot-config";
export type { BrowserPong, BrowserWelcome, SocketErrorFrame } from "@core/protocol/browser-socket";
export type { ConnectorStatusView } from "@core/protocol/connector-status";
export type {
  ConnectorToken,
  ConnectorTokenList,
  CreateConnectorTokenRequest,
  CreatedConnectorToken,
} from "@core/protocol/connector-tokens";
export type { ApiError } from "@core/protocol/errors";
export type {
  AccountView,
  ActivityData,
  EventData,
  EventType,
  PositionView,
  ResyncRequired,
  TradeView,
  UserEvent,
} from "@core/protocol/events";
export type { Health, HealthCheck } from "@core/protocol/health";
export type { CandlesResponse } from "@core/protocol/market-candles";
export type { MarketSource } from "@core/protocol/market-sources";
export type { Bot, BotList, CreateBotRequest, UpdateBotRequest } from "@core/protocol/models-api";
export type {
  AnalyticsDailyResponse,
  AutoTradingHealth,
  BotRunStatus,
  CycleResult,
  ExecutePlanRequest,
  ExecutionResult,
  ManualTradeRequest,
  PortfolioStatus,
  TradesHistoryResponse,
} from "@core/protocol/portfolio-api";
export type { PositionCommandAccepted } from "@core/protocol/position-commands";
export type { MarketClosed, ModelPredictBody } from "@core/protocol/predict-api";
export type { Prediction, TradePlan } from "@core/protocol/prediction";
export type { SymbolMarket } from "@core/protocol/symbol-market";
export type { TrainAccepted, TrainJob, TrainRequest } from "@core/protocol/training";
export type { Strategy } from "@core/strategy/schema";

import type { ActiveBotSchema, ActivityViewSchema, DailyRowSchema } from "@core/protocol/portfolio-api";
import type { z } from "zod";
export type ActiveBot = z.infer<typeof ActiveBotSchema>;
export type ActivityView = z.infer<typeof ActivityViewSchema>;
export type DailyRow = z.infer<typeof DailyRowSchema>;

/** What the email + password forms submit (register and login bodies share the shape). */
export type Credentials = { email: string; password: string };

/**
 * 201 of PUT ml/models/{id}/artifact. Its zod schema lives in worker/routes/model-artifacts.ts (not
 * core/protocol), which the browser build cannot import; only the fields the page shows.
 */
export interface UploadedArtifact {
  id: string;
  bot_id: string;
  timeframe: string;
  version: number;
  size_bytes: number;
  sha256: string;
  producer: string;
  retired_version: number | null;
  created_at: string;
}

/** Timeframes the server accepts (core/market/timeframes.ts TIMEFRAMES; values, not types, so copied). */
export const TIMEFRAME_LIST = ["1m", "5m", "15m", "30m", "1h", "2h", "4h", "1d"] as const;
