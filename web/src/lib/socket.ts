import { createSignal } from "solid-js";
import { backoffDelay } from "./backoff";

/** Our protocol name; the server echoes it. The token rides in a second, `bearer.`-prefixed one. */
export const SOCKET_PROTOCOL = "edgetrader.v1";
export const HEARTBEAT_MS = 20_000;
/** Events are acked at most this often (one small frame per burst). */
const ACK_MS = 500;
/** No pong within this long after a ping: the socket is dead even if the browser hasn't noticed. */
export const PONG_TIMEOUT_MS = 10_000;

export type SocketState =
  | { kind: "idle" }
  | { kind: "connecting"; attempt: number }
  | { kind: "connected"; since: number }
  | { kind: "reconnecting"; at: number; attempt: number; reason: string }
  | { kind: "offline"; reason: string };

/** Any frame from the server; events carry a per-user `seq`. */
export type ServerFrame = { type: string; seq?: number } & Record<string, unknown>;

/** Thrown by `token` when there is no session left to connect with (signed out, refresh refused). */
export class SessionEnded extends Error {
  override name = "SessionEnded";
}

export interface SocketOptions {
  /**
   * A valid access token; `fresh` asks for a newly refreshed one (the last handshake failed before
   * opening, e.g. a revoked token). Rejecting with SessionEnded stops the socket; any other
   * rejection (server unreachable) is retried like a failed connection.
   */
  token: (fresh: boolean) => Promise<string>;
  url?: (since: number | null) => string;
}

function defaultUrl(since: number | null): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = since === null ? "" : `?since=${since}`;
  return `${scheme}//${location.host}/ws${query}`;
}

/**
 * The dashboard's one live socket: heartbeat, reconnect with backoff, resume from the last seen
 * sequence number, and a reactive state for the header.
 */
export class LiveSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private pingSentAt = 0;
  /**
   * The previous socket closed without ever opening: the token may be the problem (browsers hide
   * the upgrade's 401). Refresh once per outage, not on every attempt, so a server that is simply
   * down doesn't burn refresh rotations and the auth rate limit.
   */
  private handshakeFailed = false;
  private refreshedThisOutage = false;
  private readonly listeners = new Set<(f: ServerFrame) => void>();
  private readonly stateSignal = createSignal<SocketState>({ kind: "idle" });
  private readonly rttSignal = createSignal<number | null>(null);
  private readonly seqSignal = createSignal<number | null>(null);

  readonly state = this.stateSignal[0];
  /** Round trip of the last ping, for display only. */
  readonly lastRtt = this.rttSignal[0];
  /** Highest event sequence number seen; sent as `since` on reconnect. */
  readonly lastSeq = this.seqSignal[0];

  constructor(private readonly opts: SocketOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
    void this.open();
  }

  stop(reason = "signed out"): void {
    this.running = false;
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    clearTimeout(this.retryTimer);
    this.teardown(1000, reason);
    this.stateSignal[1]({ kind: "offline", reason });
  }

  subscribe(fn: (f: ServerFrame) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Drops the current socket as if the network had; the normal reconnect path takes over. */
  dropForTest(): void {
    this.ws?.close(4000, "dropped by client");
  }

  private onOnline = () => {
    if (!this.running) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    void this.open();
  };

  private onOffline = () => {
    if (!this.running) return;
    clearTimeout(this.retryTimer);
    this.teardown(1000, "browser offline");
    this.stateSignal[1]({ kind: "offline", reason: "no network" });
  };

  private async open(): Promise<void> {
    if (!this.running) return;
    if (typeof navigator !== "undefined" && navigator.onLine === false) {
      this.stateSignal[1]({ kind: "offline", reason: "no network" });
      return; // the `online` event resumes
    }
    this.stateSignal[1]({ kind: "connecting", attempt: this.attempt });
    let token: string;
    const fresh = this.handshakeFailed && !this.refreshedThisOutage;
    // Counted when tried, not when it worked: an expired token is refreshed anyway by `token`, so the
    // forced refresh only matters for a revoked one, and once per outage is enough.
    if (fresh) this.refreshedThisOutage = true;
    try {
      token = await this.opts.token(fresh);
    } catch (err) {
      if (!this.running) return;
      if (err instanceof SessionEnded) this.stop("signed out");
      else this.scheduleReconnect("server unreachable");
      return;
    }
    if (!this.running) return;
    const url = (this.opts.url ?? defaultUrl)(this.lastSeq());
    const ws = new WebSocket(url, [SOCKET_PROTOCOL, `bearer.${token}`]);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      opened = true;
      this.handshakeFailed = false;
      this.refreshedThisOutage = false;
      this.attempt = 0;
      this.stateSignal[1]({ kind: "connected", since: Date.now() });
      this.startHeartbeat();
      this.ping(); // one round trip right away: proves the object answers, not just the upgrade
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws || typeof ev.data !== "string") return;
      this.onFrame(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.stopHeartbeat();
      // 4401: the server signed this session out; the next attempt must ask for a fresh token.
      if (!opened || ev.code === 4401) this.handshakeFailed = true;
      this.scheduleReconnect(ev.code === 1000 ? "closed by server" : `connection lost (${ev.code})`);
    };
    // `error` is always followed by `close`; reconnecting happens there.
  }

  private onFrame(data: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof frame !== "object" || frame === null || typeof (frame as { type?: unknown }).type !== "string") return;
    const f = frame as ServerFrame;
    if (f.type === "pong") {
      clearTimeout(this.pongTimer);
      this.rttSignal[1](Date.now() - this.pingSentAt);
    }
    if (typeof f.seq === "number" && f.seq > (this.lastSeq() ?? -Infinity)) this.seqSignal[1](f.seq);
    for (const fn of this.listeners) fn(f);
    if (typeof f.seq === "number") this.scheduleAck();
  }

  /** Acks the applied events at most every ACK_MS: the server keeps what a connected browser has not acked. */
  private scheduleAck(): void {
    if (this.ackTimer !== undefined) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      const ws = this.ws;
      const seq = this.lastSeq();
      if (ws && ws.readyState === WebSocket.OPEN && seq !== null) ws.send(JSON.stringify({ type: "ack", seq }));
    }, ACK_MS);
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.pingTimer = setInterval(() => this.ping(), HEARTBEAT_MS);
  }

  private ping(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    this.pingSentAt = Date.now();
    ws.send(JSON.stringify({ type: "ping" }));
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => {
      if (this.ws === ws) ws.close(4001, "heartbeat timeout"); // onclose schedules the reconnect
    }, PONG_TIMEOUT_MS);
  }

  private stopHeartbeat(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }

  private teardown(code: number, reason: string): void {
    this.stopHeartbeat();
    const ws = this.ws;
    this.ws = null;
    if (ws && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)) ws.close(code, reason);
  }

  private scheduleReconnect(reason: string): void {
    if (!this.running) return;
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.stateSignal[1]({ kind: "reconnecting", at: Date.now() + delay, attempt: this.attempt, reason });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.open(), delay);
  }
}
