// One object per user (named by the verified token subject). It owns the user's sockets (browser
// and, later, connector) through the WebSocket Hibernation API, so idle sockets cost nothing and
// survive eviction: per-socket state lives in attachments, never in instance fields.
import { DurableObject } from "cloudflare:workers";
import {
  BrowserAttachmentSchema,
  BrowserClientFrameSchema,
  MAX_CLIENT_FRAME_BYTES,
  type BrowserAttachment,
  type BrowserPong,
  type BrowserWelcome,
  type SocketErrorFrame,
} from "../core/protocol/browser-socket";
import type { Env } from "../worker/env";
import { USER_ID_HEADER } from "../worker/lib/object-address";
import { ModelInference, type PredictProbabilitiesResult, type VerifyModelResult } from "./inference";
import type { Timeframe } from "../core/market/timeframes";
import { MarketService, type CandlesResult } from "./market/market-service";
import { PredictionService, type ModelHealthRow } from "./prediction";
import { PredictRequestSchema, type PredictOutcome, type PredictRequest } from "../core/protocol/predict-api";

const BROWSER_TAG = "browser";

export class UserBot extends DurableObject<Env> {
  /** Random per instance: lets tests (and health) see that an eviction happened. */
  readonly instanceId = crypto.randomUUID();

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const userId = request.headers.get(USER_ID_HEADER);
    if (!userId) return new Response("missing user", { status: 400 });
    if (url.pathname === "/ws") return this.acceptBrowser(request, userId);
    return new Response("not found", { status: 404 });
  }

  /** Health probe for `/api/v1/health`: a storage round trip proves the object and its SQLite. */
  async ping(): Promise<{ ok: true; instanceId: string; sockets: number }> {
    this.ctx.storage.sql.exec("SELECT 1");
    return { ok: true, instanceId: this.instanceId, sockets: this.ctx.getWebSockets().length };
  }

  // ---- ML inference (durable-objects/inference): ORT sessions cached per model version key ----
  readonly inference = new ModelInference(() => this.env.MODELS);

  /** Class probabilities [n, 3] (row-major, CLASSES order) of the model at modelKey (an R2 key) for rows of featureCount features. */
  predictProbabilities(modelKey: string, rows: Float32Array, featureCount: number): Promise<PredictProbabilitiesResult> {
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
    return (this.marketService ??= new MarketService(this.ctx.storage));
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
    }));
  }

  /** A prediction for one of this user's bots. `userId` is the Worker's verified subject; it must name this object. */
  predict(userId: string, request: PredictRequest): Promise<PredictOutcome> {
    if (!this.ctx.id.equals(this.env.USER_BOT.idFromName(userId))) throw new Error("predict: user does not own this object");
    return this.predictions.predict(userId, PredictRequestSchema.parse(request));
  }

  /** Last success/error of every model this object ran (for the auto-trading health endpoint). */
  modelHealth(botId?: string): ModelHealthRow[] {
    return this.predictions.health.list(botId);
  }
  // ---- end predictions ----

  private acceptBrowser(request: Request, userId: string): Response {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a websocket upgrade", { status: 426 });
    }
    const pair = new WebSocketPair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server, [BROWSER_TAG, `user:${userId}`]);
    const attachment: BrowserAttachment = { kind: "browser", userId, connectedAt: Date.now() };
    server.serializeAttachment(attachment);
    send(server, { type: "welcome", connectedAt: attachment.connectedAt, serverTime: Date.now() } satisfies BrowserWelcome);
    const headers = new Headers();
    const protocol = request.headers.get("X-Accepted-Protocol");
    if (protocol) headers.set("Sec-WebSocket-Protocol", protocol);
    return new Response(null, { status: 101, webSocket: pair[0], headers });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const attachment = BrowserAttachmentSchema.safeParse(ws.deserializeAttachment());
    if (!attachment.success) {
      ws.close(1011, "socket state lost");
      return;
    }
    if (typeof message !== "string") return sendError(ws, "bad_frame", "frames must be JSON text");
    if (message.length > MAX_CLIENT_FRAME_BYTES) return sendError(ws, "frame_too_large", `frames are limited to ${MAX_CLIENT_FRAME_BYTES} bytes`);
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
        const pong: BrowserPong = { type: "pong", connectedAt: attachment.data.connectedAt, serverTime: Date.now(), instance: this.instanceId };
        if (frame.data.id !== undefined) pong.id = frame.data.id;
        send(ws, pong);
        return;
      }
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Complete the closing handshake; 1005/1006 are reserved and cannot be sent back.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      /* already closed */
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
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
