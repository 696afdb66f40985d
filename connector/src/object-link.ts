import WebSocket from "ws";
import {
  type Auth,
  type AuthError,
  type ConnectorError,
  type ConnectorToObjectFrame,
  type ObjectToConnectorFrame,
  ObjectToConnectorFrameSchema,
  parseConnectorFrame,
} from "../../core/protocol/connector";
import { Backoff } from "./backoff";
import type { Logger } from "./log";

export interface LinkOptions {
  url: string;
  token: string;
  /** Built on every connect (terminal state changes between connects). */
  authFrame: () => Auth;
  heartbeatMs?: number;
  authTimeoutMs?: number;
  /** A connection that stayed up this long resets the backoff. */
  stableMs?: number;
  backoff?: Backoff;
  log: Logger;
  onReady: (info: { serverTime: number; receivedAt: number }) => void;
  onFrame: (frame: Exclude<ObjectToConnectorFrame, { type: "PING" | "PONG" | "AUTH_OK" | "AUTH_ERROR" }>) => void;
  onDown?: () => void;
  /** AUTH_ERROR with retry:false: this token will never work. */
  onFatal?: (err: AuthError) => void;
  /** The object refused this connector (AUTH_ERROR, e.g. terminal_conflict); null: accepted again. */
  onRefusal?: (refusal: { code: AuthError["code"]; message: string } | null) => void;
  onReconnectScheduled?: (delayMs: number, attempt: number) => void;
}

/**
 * The connector's end of the object socket: connects (token as Bearer on the upgrade and in
 * AUTH), waits for AUTH_OK, pings every heartbeatMs and drops a link after two unanswered pings,
 * reconnects with backoff. Every received frame is validated; a bad one gets an ERROR frame.
 */
export class ObjectLink {
  private ws: WebSocket | null = null;
  private authed = false;
  private stopped = false;
  private connectedAt = 0;
  private missed = 0;
  private pingSeq = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private authTimer: NodeJS.Timeout | null = null;
  readonly backoff: Backoff;
  /** Counters for the status line and tests. */
  readonly stats = { connects: 0, authOk: 0, badFramesReceived: 0, pingsSent: 0, deadLinks: 0 };
  /**
   * The object's last refusal (e.g. terminal_conflict: another terminal holds the account), for the
   * person at this terminal; cleared by the next AUTH_OK. The EA can show `message`.
   */
  refusal: { code: AuthError["code"]; message: string; at: number; retryAfterMs: number | null } | null = null;
  private retryAfterMs = 0;

  constructor(private readonly o: LinkOptions) {
    this.backoff = o.backoff ?? new Backoff();
  }

  get ready(): boolean {
    return this.authed && this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.clearTimers();
    this.ws?.terminate();
    this.ws = null;
  }

  /** Sends if authenticated; false means "not sent" (journaled frames go out again on reconnect). */
  send(frame: ConnectorToObjectFrame): boolean {
    if (!this.ready || !this.ws) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Cut the socket as if the network dropped (tests and a manual "reconnect now"). */
  drop(): void {
    this.ws?.terminate();
  }

  private connect(): void {
    if (this.stopped) return;
    this.stats.connects++;
    // No permessage-deflate: frames are small JSON on a latency-bound path, and ws inflates on
    // libuv's thread pool, a hop per received command (production refuses it anyway: wrangler.toml).
    const ws = new WebSocket(this.o.url, {
      headers: { Authorization: `Bearer ${this.o.token}` },
      handshakeTimeout: 10_000,
      maxPayload: 4 * 1024 * 1024,
      perMessageDeflate: false,
    });
    this.ws = ws;
    this.authed = false;
    ws.on("open", () => {
      this.o.log.info(`connected to ${this.o.url}; authenticating`);
      ws.send(JSON.stringify(this.o.authFrame()));
      this.authTimer = setTimeout(() => {
        this.o.log.warn("no AUTH_OK in time; reconnecting");
        ws.terminate();
      }, this.o.authTimeoutMs ?? 10_000);
    });
    ws.on("message", (data, isBinary) => this.onMessage(ws, isBinary ? null : data.toString()));
    ws.on("unexpected-response", (_req, res) => {
      this.o.log.warn(`server refused the upgrade: HTTP ${res.statusCode}`);
    });
    ws.on("error", (err) => this.o.log.warn(`socket error: ${err.message}`));
    ws.on("close", () => this.onClose(ws));
  }

  private onMessage(ws: WebSocket, text: string | null): void {
    if (ws !== this.ws) return;
    if (text === null) return this.reject(ws, { code: "bad_frame", message: "binary frames are not accepted" });
    const parsed = parseConnectorFrame(text, ObjectToConnectorFrameSchema);
    if (!parsed.ok) return this.reject(ws, parsed.error);
    const f = parsed.frame;
    switch (f.type) {
      case "PING":
        ws.send(JSON.stringify({ type: "PONG", ...(f.id ? { id: f.id } : {}), ts: Date.now() }));
        return;
      case "PONG":
        this.missed = 0;
        return;
      case "AUTH_OK":
        if (this.authTimer) clearTimeout(this.authTimer);
        this.authed = true;
        this.connectedAt = Date.now();
        this.missed = 0;
        this.stats.authOk++;
        if (this.refusal) this.o.onRefusal?.(null);
        this.refusal = null;
        this.heartbeat = setInterval(() => this.beat(ws), this.o.heartbeatMs ?? f.heartbeat_ms ?? 15_000);
        this.o.log.info("authenticated");
        this.o.onReady({ serverTime: f.server_time, receivedAt: Date.now() });
        return;
      case "AUTH_ERROR":
        this.refusal = { code: f.code, message: f.message, at: Date.now(), retryAfterMs: f.retry_after_ms ?? null };
        this.retryAfterMs = f.retry ? (f.retry_after_ms ?? 0) : 0;
        this.o.onRefusal?.({ code: f.code, message: f.message });
        if (f.code === "terminal_conflict") {
          this.o.log.error(
            `REFUSED BY THE SERVER: ${f.message}${f.retry_after_ms ? ` (trying again in ${Math.round(f.retry_after_ms / 1000)} s)` : ""}`,
          );
        } else this.o.log.error(`authentication refused: ${f.code}: ${f.message}`);
        if (!f.retry) {
          this.stopped = true;
          this.o.onFatal?.(f);
        }
        ws.close(4001, "auth refused");
        return;
      default:
        if (!this.authed)
          return this.reject(ws, { code: "not_authenticated", message: `${f.type} before AUTH_OK`, ref_type: f.type });
        this.o.onFrame(f);
    }
  }

  private reject(ws: WebSocket, error: Omit<ConnectorError, "type">): void {
    this.stats.badFramesReceived++;
    this.o.log.warn(`bad frame from the server: ${error.message}`);
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ERROR", ...error }));
  }

  private beat(ws: WebSocket): void {
    if (this.missed >= 2) {
      this.stats.deadLinks++;
      this.o.log.warn("two PINGs unanswered: link is dead; reconnecting");
      ws.terminate();
      return;
    }
    this.missed++;
    this.stats.pingsSent++;
    ws.send(JSON.stringify({ type: "PING", id: `p${++this.pingSeq}`, ts: Date.now() }));
  }

  private clearTimers(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.authTimer) clearTimeout(this.authTimer);
    this.heartbeat = null;
    this.authTimer = null;
  }

  private onClose(ws: WebSocket): void {
    if (ws !== this.ws) return;
    const wasReady = this.authed;
    this.clearTimers();
    this.authed = false;
    this.ws = null;
    if (wasReady) this.o.onDown?.();
    if (this.stopped) return;
    if (wasReady && Date.now() - this.connectedAt >= (this.o.stableMs ?? 30_000)) this.backoff.reset();
    // A refusal that names a retry time (terminal_conflict) is waited out, not hammered.
    const delay = Math.max(this.backoff.next(), this.retryAfterMs);
    this.retryAfterMs = 0;
    this.o.log.info(`disconnected; reconnecting in ${delay} ms (attempt ${this.backoff.attempts})`);
    this.o.onReconnectScheduled?.(delay, this.backoff.attempts);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }
}
