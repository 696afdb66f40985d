import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import {
  type ConnectorToObjectFrame,
  ConnectorToObjectFrameSchema,
  type ObjectToConnectorFrame,
  type PositionsUpdate,
  parseConnectorFrame,
  type StatusUpdate,
  type SyncResponse,
  type TradeResult,
} from "../../../core/protocol/connector";

type ObjectFrameInput = Record<string, unknown> & { type: ObjectToConnectorFrame["type"] };

/**
 * The object's side of the connector socket, played by a real `ws` server on 127.0.0.1: checks
 * the token (Bearer header and AUTH frame), validates every frame with the shared schemas, ACKs
 * results and updates, and — like the real object — re-sends commands that have no result yet
 * after every (re)connect.
 */
export class FakeObject {
  private wss!: WebSocketServer;
  socket: WebSocket | null = null;
  readonly token: string;
  autoAck = true;
  /** Re-send unanswered commands after each AUTH. */
  resendOnAuth = true;
  readonly commands = new Map<string, ObjectFrameInput>();
  readonly results = new Map<string, TradeResult[]>();
  readonly positionsUpdates: PositionsUpdate[] = [];
  /** Order of arrival of results (`TRADE_RESULT:<command_id>`) and updates (`POSITIONS_UPDATE:<id>`). */
  readonly arrivals: string[] = [];
  readonly statusUpdates: StatusUpdate[] = [];
  readonly syncs: SyncResponse[] = [];
  readonly errors: ConnectorToObjectFrame[] = [];
  readonly tradeErrors: ConnectorToObjectFrame[] = [];
  readonly invalid: string[] = [];
  readonly rates: ConnectorToObjectFrame[] = [];
  readonly barsClosed: ConnectorToObjectFrame[] = [];
  readonly authHeaders: (string | undefined)[] = [];
  /** Sec-WebSocket-Extensions of each upgrade (the server would accept permessage-deflate if offered). */
  readonly extensionOffers: (string | undefined)[] = [];
  auths = 0;
  pongs = 0;
  /** Answer PINGs? (false simulates a half-dead server). */
  answerPings = true;
  revoked = false;

  constructor(token = "etc_test-token-0123456789") {
    this.token = token;
  }

  async start(): Promise<number> {
    this.wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: true });
    await new Promise<void>((r) => this.wss.once("listening", () => r()));
    this.wss.on("connection", (ws, req) => {
      this.authHeaders.push(req.headers.authorization);
      this.extensionOffers.push(req.headers["sec-websocket-extensions"]);
      let authed = false;
      ws.on("message", (data) => {
        const parsed = parseConnectorFrame(data.toString(), ConnectorToObjectFrameSchema);
        if (!parsed.ok) {
          this.invalid.push(data.toString().slice(0, 300));
          ws.send(JSON.stringify({ type: "ERROR", ...parsed.error }));
          return;
        }
        const f = parsed.frame;
        if (f.type === "AUTH") {
          if (this.revoked || f.token !== this.token || req.headers.authorization !== `Bearer ${this.token}`) {
            ws.send(
              JSON.stringify({
                type: "AUTH_ERROR",
                code: this.revoked ? "revoked" : "invalid_token",
                message: "token refused",
                retry: false,
              }),
            );
            ws.close();
            return;
          }
          authed = true;
          this.auths++;
          if (this.socket && this.socket !== ws) this.socket.terminate();
          this.socket = ws;
          ws.send(JSON.stringify({ type: "AUTH_OK", server_time: Date.now(), session_id: `s${this.auths}` }));
          if (this.resendOnAuth)
            for (const [id, c] of this.commands) if (!this.results.has(id)) ws.send(JSON.stringify(c));
          return;
        }
        if (!authed) return;
        this.onFrame(ws, f);
      });
    });
    return (this.wss.address() as AddressInfo).port;
  }

  private onFrame(ws: WebSocket, f: ConnectorToObjectFrame): void {
    switch (f.type) {
      case "PING":
        if (this.answerPings) ws.send(JSON.stringify({ type: "PONG", id: f.id, ts: Date.now() }));
        return;
      case "PONG":
        this.pongs++;
        return;
      case "TRADE_RESULT": {
        this.arrivals.push(`TRADE_RESULT:${f.command_id}`);
        const list = this.results.get(f.command_id) ?? [];
        list.push(f);
        this.results.set(f.command_id, list);
        break;
      }
      case "TRADE_ERROR":
        this.tradeErrors.push(f);
        break;
      case "POSITIONS_UPDATE":
        this.arrivals.push(`POSITIONS_UPDATE:${f.id}`);
        this.positionsUpdates.push(f);
        break;
      case "STATUS_UPDATE":
        this.statusUpdates.push(f);
        return;
      case "SYNC_RESPONSE":
        this.arrivals.push(`SYNC_RESPONSE:${this.syncs.length}`);
        this.syncs.push(f);
        return;
      case "ERROR":
        this.errors.push(f);
        return;
      case "RATES_RESPONSE":
        this.rates.push(f);
        return;
      case "BAR_CLOSED":
        this.barsClosed.push(f);
        return;
      default:
        return;
    }
    if (
      this.autoAck &&
      "id" in f &&
      typeof f.id === "string" &&
      (f.type !== "POSITIONS_UPDATE" || f.reason === "change")
    ) {
      ws.send(JSON.stringify({ type: "ACK", ids: [f.id] }));
    }
  }

  /** Send a command (remembered for re-sending until its result arrives). */
  command(frame: ObjectFrameInput & { command_id: string }): void {
    this.commands.set(frame.command_id, frame);
    this.send(frame);
  }

  send(frame: ObjectFrameInput | string): boolean {
    if (!this.socket || this.socket.readyState !== this.socket.OPEN) return false;
    this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    return true;
  }

  /** Cut the connector's socket abruptly (no close frame). */
  cut(): void {
    this.socket?.terminate();
    this.socket = null;
  }

  get connected(): boolean {
    return this.socket !== null && this.socket.readyState === this.socket.OPEN;
  }

  async stop(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
