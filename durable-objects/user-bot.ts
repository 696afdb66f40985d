// One object per user (named by the verified token subject). It owns the user's sockets (browser
// and, later, connector) through the WebSocket Hibernation API, so idle sockets cost nothing and
// survive eviction: per-socket state lives in attachments, never in instance fields.
import { DurableObject } from "cloudflare:workers";
import { type BacktestOutcome, type BacktestRequest, BacktestRequestSchema } from "../core/backtest/api";
import { isDeltaSymbol } from "../core/instruments/delta-products";
import type { Timeframe } from "../core/market/timeframes";
import {
  type BrowserAttachment,
  BrowserAttachmentSchema,
  BrowserClientFrameSchema,
  type BrowserPong,
  type BrowserWelcome,
  MAX_CLIENT_FRAME_BYTES,
  type SocketErrorFrame,
} from "../core/protocol/browser-socket";
import type { ConnectorStatusView } from "../core/protocol/connector-status";
import type { PositionView } from "../core/protocol/events";
import { SinceParamSchema } from "../core/protocol/events";
import type { MarketBarsPush } from "../core/protocol/market-push";
import type {
  AutoTradingHealth,
  BotRunStatus,
  CycleResult,
  ManualTradeRequest,
  PortfolioStatus,
} from "../core/protocol/portfolio-api";
import type { PositionCommandOutcome, PositionCommandRequest } from "../core/protocol/position-commands";
import { type PredictOutcome, type PredictRequest, PredictRequestSchema } from "../core/protocol/predict-api";
import type { TrainJob, TrainParams } from "../core/protocol/training";
import type { Env } from "../platform/env";
import { maybeFlushMetrics } from "../platform/metrics";
import { deltaMarket, SESSION_ID_HEADER, USER_ID_HEADER } from "../platform/object-address";
import type { UserBotRpc } from "../platform/rpc/user-bot";
import { alarmClock } from "./alarm/alarm-clock";
import { BacktestJobs } from "./backtest/job";
import { CONNECTOR_TAG, CONNECTOR_TOKEN_ID_HEADER, ConnectorHub } from "./connector";
import { type BotInfo, Engine, RESULT_FLUSH_WAIT_MS } from "./engine";
import { BROWSER_TAG, sendReplay } from "./engine/fanout";
import type { BotRef } from "./engine/prediction-port";
import { replayQuote } from "./engine/replay-quotes";
import { ModelInference, type PredictProbabilitiesResult, type VerifyModelResult } from "./inference";
import { type CandlesResult, MarketService } from "./market/market-service";
import { isReplaySymbol, REPLAY_SYMBOLS } from "./market/replay-data";
import { replaySettings } from "./market/replay-settings";
import { enginePredictor, type ModelHealthRow, PredictionService } from "./prediction";
import { armTrainingAlarm, publishTrainingEvent, type StartResult, TrainingJobs } from "./training";

export class UserBot extends DurableObject<Env> implements UserBotRpc {
  /** Random per instance: lets tests (and health) see that an eviction happened. */
  readonly instanceId = crypto.randomUUID();

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const userId = request.headers.get(USER_ID_HEADER);
    if (!userId) return new Response("missing user", { status: 400 });
    if (url.pathname === "/ws") {
      const since = url.searchParams.has("since") ? SinceParamSchema.safeParse(url.searchParams.get("since")) : null;
      if (since && !since.success) return new Response("since must be a non-negative integer", { status: 400 });
      const res = this.acceptBrowser(request, userId, since?.data);
      if (res.webSocket) await this.engine.onBrowserConnected();
      return res;
    }
    if (url.pathname === "/connector") {
      const tokenId = request.headers.get(CONNECTOR_TOKEN_ID_HEADER);
      if (!tokenId) return new Response("missing connector token id", { status: 400 });
      this.engine.core.bindUser(userId);
      return this.connector.accept(request, userId, tokenId);
    }
    return new Response("not found", { status: 404 });
  }

  /** Health probe for `/api/v1/health`: a storage round trip proves the object and its SQLite. */
  /**
   * Signed out: closes the browser sockets of one session (logout) or of every session (password
   * change, sign out everywhere) with 4401, so a signed-out device stops receiving events at once.
   * Its client then fails to refresh and shows the sign-in page. Returns how many were closed.
   */
  endBrowserSessions(userId: string, sessionId?: string): number {
    this.own(userId);
    const sockets = this.ctx.getWebSockets(sessionId ? sessionTag(sessionId) : BROWSER_TAG);
    for (const ws of sockets) ws.close(4401, "signed out");
    return sockets.length;
  }

  async ping(): Promise<{ ok: true; instanceId: string; sockets: number }> {
    this.ctx.storage.sql.exec("SELECT 1");
    return { ok: true, instanceId: this.instanceId, sockets: this.ctx.getWebSockets().length };
  }

  // ---- ML inference (durable-objects/inference): ORT sessions cached per model version key ----
  readonly inference = new ModelInference(() => this.env.MODELS);

  /** Class probabilities [n, 3] (row-major, CLASSES order) of the model at modelKey (an R2 key) for rows of featureCount features. */
  predictProbabilities(
    modelKey: string,
    rows: Float32Array,
    featureCount: number,
  ): Promise<PredictProbabilitiesResult> {
    return this.inference.predict(modelKey, rows, featureCount);
  }

  /** Test-runs model bytes in a throwaway session (upload check); nothing is cached or stored. */
  verifyModel(bytes: Uint8Array, featureCount: number): Promise<VerifyModelResult> {
    return this.inference.verify(bytes, featureCount);
  }
  // ---- end ML inference ----

  // ---- market data (durable-objects/market): bar store in this object's SQLite ----
  private marketService: MarketService | undefined;
  private get market(): MarketService {
    return (this.marketService ??= new MarketService(
      this.ctx.storage,
      Date.now,
      replaySettings(this.env),
      (symbol, timeframe, limit) =>
        deltaMarket(this.env, symbol, timeframe).subscribe(this.ctx.id.toString(), symbol, timeframe, limit),
    ));
  }

  /** A Delta market object's fan-out of closed bars (validated and stored like every source's bars). */
  marketBars(push: MarketBarsPush): { written: number; refused: number } {
    return this.market.delta.onPush(push);
  }

  /** Newest `limit` closed bars of symbol/timeframe from this object's bar store (topped up from the replay feed). */
  getCandles(symbol: string, timeframe: Timeframe, limit: number): Promise<CandlesResult> {
    return this.market.getCandles(symbol, timeframe, limit);
  }
  // ---- end market data ----

  // ---- predictions (durable-objects/prediction): decisions on the bot's models, cached per bar ----
  private predictionService: PredictionService | undefined;
  /** The object's prediction service; the engine's cycle (in this class) uses it directly. */
  private get predictions(): PredictionService {
    return (this.predictionService ??= new PredictionService({
      env: this.env,
      sql: this.ctx.storage.sql,
      candles: (symbol, timeframe, limit) => this.market.getCandles(symbol, timeframe, limit),
      infer: (key, rows, f) => this.inference.predict(key, rows, f),
      balance: (bot) => this.sizingBalance(bot),
      marketNow: (symbol) => this.market.marketNow(symbol),
    }));
  }

  /**
   * Balance for risk_pct sizing of a bot's orders: the account they go to (the paper account, or
   * the broker account the connector last reported; null until it has). The backtester sizes on
   * its account's balance the same way.
   */
  sizingBalance(bot: { target: "paper" | "connector" }): number | null {
    return bot.target === "paper" ? this.engine.core.paper.engine.account().balance : this.connector.brokerBalance();
  }

  /** A prediction for one of this user's bots. `userId` is the Worker's verified subject; it must name this object. */
  predict(userId: string, request: PredictRequest): Promise<PredictOutcome> {
    this.assertOwner(userId, "predict");
    return this.predictions.predict(userId, PredictRequestSchema.parse(request));
  }

  /** Last success/error of every model this object ran (for the auto-trading health endpoint). */
  modelHealth(userId: string, botId?: string): ModelHealthRow[] {
    this.assertOwner(userId, "model health");
    return this.predictions.health.list(botId);
  }
  // ---- end predictions ----

  // ---- engine (durable-objects/engine): cycles, paper account, outbox, events, alarm ----
  private engineInstance: Engine | undefined;
  get engine(): Engine {
    return (this.engineInstance ??= new Engine({
      ctx: this.ctx,
      env: this.env,
      quote: (symbol) =>
        isDeltaSymbol(symbol) ? this.market.delta.quote(symbol) : replayQuote(symbol, this.market.replayClock()),
      newBars: async (symbol, after) => {
        if (isDeltaSymbol(symbol)) return this.market.delta.newBars(symbol, after);
        if (!isReplaySymbol(symbol)) return [];
        const r = await this.market.getCandles(symbol, REPLAY_SYMBOLS[symbol].baseTimeframe, 200);
        return r.ok ? r.bars.filter((b) => b.time > after) : [];
      },
      predictor: enginePredictor(this.predictions),
      connector: this.connector,
    }));
  }

  // ---- connector (durable-objects/connector): the connector socket, commands, results, SYNC ----
  private connectorHub: ConnectorHub | undefined;
  get connector(): ConnectorHub {
    return (this.connectorHub ??= new ConnectorHub({
      ctx: this.ctx,
      env: this.env,
      core: () => this.engine.core,
      afterChange: async () => {
        await this.engine.core.flush();
        await this.engine.arm();
      },
      resultDue: async () => {
        await this.engine.arm(RESULT_FLUSH_WAIT_MS);
      },
    }));
  }

  /** Close (full or partial) / modify / SL / breakeven / cancel of one of the user's positions, paper or connector. */
  positionCommand(userId: string, positionId: string, req: PositionCommandRequest): Promise<PositionCommandOutcome> {
    return this.own(userId).positionCommand(positionId, req, (id, r) => this.connector.positionCommand(id, r));
  }

  connectorStatus(userId: string): ConnectorStatusView {
    this.own(userId);
    return this.connector.status();
  }

  /**
   * Every RPC that reads or changes a user's data names the user (the Worker's verified subject);
   * it must be the user this object was addressed for, or the call is refused.
   */
  private assertOwner(userId: string, what: string): void {
    if (!this.ctx.id.equals(this.env.USER_BOT.idFromName(userId)))
      throw new Error(`${what}: user does not own this object`);
  }

  private own(userId: string): Engine {
    this.assertOwner(userId, "engine");
    this.engine.core.bindUser(userId);
    return this.engine;
  }

  /** Cron / trigger: run this user's due (force: all) active bots. */
  async runCycles(args: { userId: string; firedAt: number; force?: boolean; bots?: BotRef[] }): Promise<CycleResult[]> {
    const results = await this.own(args.userId).runCycles({
      firedAt: args.firedAt,
      force: args.force ?? false,
      bots: args.bots,
    });
    this.shipMetrics();
    return results;
  }

  /** Cycle/trade counters recorded in this isolate go to the METRICS object in the background. */
  private shipMetrics(): void {
    maybeFlushMetrics(this.env, (p) => this.ctx.waitUntil(p));
  }

  executePlan(userId: string, bot: BotRef, opts: { override?: boolean } = {}) {
    return this.own(userId).executePlan(bot, opts);
  }

  manualTrade(userId: string, req: ManualTradeRequest, bot?: BotRef) {
    return this.own(userId).manualTrade(req, bot);
  }

  /** Market now of each replayed symbol (epoch ms): the clock paper trades on it are dated in (Engine marketNow). */
  replayClocks(userId: string): Record<string, number> {
    const engine = this.own(userId);
    return Object.fromEntries(Object.keys(REPLAY_SYMBOLS).map((s) => [s, engine.core.marketNow(s, "paper")]));
  }

  portfolio(userId: string): PortfolioStatus {
    return { ...this.own(userId).portfolio(), positions: this.connector.openPositions() };
  }

  openPositions(userId: string): PositionView[] {
    this.own(userId);
    return this.connector.openPositions(); // the engine's plus positions opened in the terminal
  }

  autoTradingStatus(userId: string, bots: BotInfo[]): BotRunStatus[] {
    return this.own(userId).status(bots);
  }

  autoTradingHealth(userId: string, bots: BotInfo[]): AutoTradingHealth {
    return this.own(userId).health(bots);
  }

  activeBotsView(userId: string, bots: BotInfo[]) {
    return this.own(userId).activeBots(bots);
  }

  override async alarm(): Promise<void> {
    alarmClock(this.ctx.storage).fired();
    await this.engine.onAlarm();
    await this.connector.onAlarm(); // connector commands: expiry, results overdue -> SYNC
    await this.trainingAlarm(); // training (durable-objects/training): one slice of a pending job
    this.shipMetrics();
  }
  // ---- end engine ----

  // ---- backtest (durable-objects/backtest): the core backtester on this user's bots, results in SQLite ----
  private backtestJobs: BacktestJobs | undefined;
  private get backtests(): BacktestJobs {
    return (this.backtestJobs ??= new BacktestJobs({
      env: this.env,
      sql: this.ctx.storage.sql,
      infer: (key, rows, f) => this.inference.predict(key, rows, f),
      marketNow: (symbol) => this.market.marketNow(symbol),
    }));
  }

  runBacktest(userId: string, botId: string, request: BacktestRequest): Promise<BacktestOutcome> {
    this.assertOwner(userId, "backtest");
    return this.backtests.run(userId, botId, BacktestRequestSchema.parse(request));
  }

  latestBacktest(userId: string, botId: string): Promise<BacktestOutcome> {
    this.assertOwner(userId, "backtest");
    return this.backtests.latest(userId, botId);
  }
  // ---- end backtest ----

  // ---- training (durable-objects/training): resumable edge training jobs, one slice per alarm ----
  private trainingJobs: TrainingJobs | undefined;
  private get training(): TrainingJobs {
    return (this.trainingJobs ??= new TrainingJobs({
      storage: this.ctx.storage,
      env: this.env,
      candles: (symbol, timeframe, limit) => this.market.getCandles(symbol, timeframe, limit),
      publish: (type, data) => publishTrainingEvent(this.engine, type, data),
    }));
  }

  /** Queues a training job for (bot, timeframe); `opts.userId` is the Worker's verified subject and must name this object. */
  async startTraining(
    botId: string,
    timeframe: Timeframe,
    opts: { userId: string; symbol: string; params: TrainParams },
  ): Promise<StartResult> {
    this.assertOwner(opts.userId, "training");
    const r = this.training.start({ userId: opts.userId, botId, symbol: opts.symbol, timeframe, params: opts.params });
    if (r.ok) await armTrainingAlarm(this.ctx.storage);
    return r;
  }

  trainingStatus(userId: string, jobId: string): TrainJob | null {
    this.assertOwner(userId, "training");
    return this.training.status(jobId);
  }

  private async trainingAlarm(): Promise<void> {
    if (!this.training.hasOpen()) return;
    const { more } = await this.training.step();
    if (more) await armTrainingAlarm(this.ctx.storage);
  }
  // ---- end training ----

  private acceptBrowser(request: Request, userId: string, since?: number): Response {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a websocket upgrade", { status: 426 });
    }
    const pair = new WebSocketPair();
    const server = pair[1];
    const session = request.headers.get(SESSION_ID_HEADER);
    this.ctx.acceptWebSocket(server, [BROWSER_TAG, `user:${userId}`, ...(session ? [sessionTag(session)] : [])]);
    const latest = this.engine.core.log.latestSeq();
    // A browser that replays from `since` has acked that much; one without loads state over REST now.
    const attachment: BrowserAttachment = {
      kind: "browser",
      userId,
      connectedAt: Date.now(),
      ackedSeq: Math.min(since ?? latest, latest),
    };
    server.serializeAttachment(attachment);
    send(server, {
      type: "welcome",
      connectedAt: attachment.connectedAt,
      serverTime: Date.now(),
    } satisfies BrowserWelcome);
    // Missed events first, in order, in this same turn: no live event can slip in between.
    if (since !== undefined) {
      this.engine.core.bindUser(userId);
      const replay = this.engine.core.log.since(since);
      if ("resync" in replay) server.serializeAttachment({ ...attachment, ackedSeq: latest });
      sendReplay(server, replay);
    }
    const headers = new Headers();
    const protocol = request.headers.get("X-Accepted-Protocol");
    if (protocol) headers.set("Sec-WebSocket-Protocol", protocol);
    return new Response(null, { status: 101, webSocket: pair[0], headers });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (this.ctx.getTags(ws).includes(CONNECTOR_TAG)) return this.connector.onMessage(ws, message);
    const attachment = BrowserAttachmentSchema.safeParse(ws.deserializeAttachment());
    if (!attachment.success) {
      ws.close(1011, "socket state lost");
      return;
    }
    if (typeof message !== "string") return sendError(ws, "bad_frame", "frames must be JSON text");
    if (message.length > MAX_CLIENT_FRAME_BYTES)
      return sendError(ws, "frame_too_large", `frames are limited to ${MAX_CLIENT_FRAME_BYTES} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(message);
    } catch {
      return sendError(ws, "bad_frame", "frame is not valid JSON");
    }
    const frame = BrowserClientFrameSchema.safeParse(json);
    if (!frame.success) return sendError(ws, "bad_frame", "unknown or malformed frame", frame.error.issues);
    switch (frame.data.type) {
      case "ping": {
        const pong: BrowserPong = {
          type: "pong",
          connectedAt: attachment.data.connectedAt,
          serverTime: Date.now(),
          instance: this.instanceId,
        };
        if (frame.data.id !== undefined) pong.id = frame.data.id;
        send(ws, pong);
        return;
      }
      case "ack": {
        const seq = Math.min(frame.data.seq, this.engine.core.log.latestSeq());
        if (seq > (attachment.data.ackedSeq ?? -1)) ws.serializeAttachment({ ...attachment.data, ackedSeq: seq });
        return;
      }
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    if (this.ctx.getTags(ws).includes(CONNECTOR_TAG)) return this.connector.onClose(ws, code, reason);
    // Complete the closing handshake; 1005/1006 are reserved and cannot be sent back.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      /* already closed */
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    if (this.ctx.getTags(ws).includes(CONNECTOR_TAG)) return this.connector.onClose(ws, 1011, "socket error");
    try {
      ws.close(1011, "socket error");
    } catch {
      /* already closed */
    }
  }
}

function send(ws: WebSocket, frame: object): void {
  ws.send(JSON.stringify(frame));
}

function sendError(ws: WebSocket, code: string, message: string, details?: unknown): void {
  const frame: SocketErrorFrame = { type: "error", error: { code, message, details } };
  send(ws, frame);
}

const sessionTag = (sessionId: string) => `session:${sessionId}`;
