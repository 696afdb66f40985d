import {
  type BrokerPosition,
  CONNECTOR_PROTOCOL_VERSION,
  type ObjectToConnectorFrame,
  type PositionsUpdate,
  type StatusUpdate,
  type SyncResponse,
} from "../../core/protocol/connector";
import { ClientOrderIdSchema } from "../../core/protocol/orders";
import { errorMessage } from "../../core/util/error-message";
import { Backoff } from "./backoff";
import type { Broker, RawDeal, RawPosition } from "./brokers/broker";
import { Mt5Broker } from "./brokers/mt5";
import { PaperBroker } from "./brokers/paper";
import { magicFor, matchesClientId } from "./client-id";
import type { ConnectorConfig } from "./config";
import { Executor } from "./executor";
import { Journal, type OutboxFrame } from "./journal";
import type { Logger } from "./log";
import { ObjectLink } from "./object-link";
import { answerRates, barClosedFrame } from "./rates";
import { CONNECTOR_VERSION } from "./version";

const SYNC_DEALS_WINDOW_MS = 7 * 24 * 3600_000;

/** A running connector: journal + broker + executor + object socket. */
export class Connector {
  readonly journal: Journal;
  readonly broker: Broker;
  readonly executor: Executor;
  readonly link: ObjectLink;
  private skewMs = 0;
  private statusTimer: NodeJS.Timeout | null = null;
  private syncTimer: NodeJS.Timeout | null = null;
  private updateSeq = 0;
  private latestPositions: { positions: RawPosition[]; unreadable: number; at: number } | null = null;
  /**
   * Fills reported lately (open TRADE_RESULTs sent): a list read since may still lack them, either
   * because it was read before them or because the terminal's lists lag behind OrderSend.
   */
  private recentOpens: { ticket: string; executedAt: number; reportedAt: number }[] = [];
  private fatal = false;
  private stopped = false;

  constructor(
    readonly cfg: ConnectorConfig,
    private readonly log: Logger,
    hooks: { onFatal?: (message: string) => void; random?: () => number } = {},
  ) {
    this.journal = new Journal({ dir: cfg.journalDir, now: () => this.now() });
    if (this.journal.skippedLines) log.warn(`journal: skipped ${this.journal.skippedLines} torn line(s)`);
    this.broker =
      cfg.broker === "mt5"
        ? new Mt5Broker({
            port: cfg.mt5BridgePort,
            log,
            secret: cfg.eaSecret ?? "",
            login: cfg.mt5Login ?? "",
            server: cfg.mt5Server ?? "",
            eaWaitMs: cfg.eaWaitMs,
            requestTimeoutMs: cfg.requestTimeoutMs,
            pingMs: cfg.eaPingMs,
            helloTimeoutMs: cfg.eaHelloTimeoutMs,
          })
        : new PaperBroker({ dir: cfg.journalDir, log, tickMs: cfg.paperTickMs });
    this.executor = new Executor({
      journal: this.journal,
      broker: this.broker,
      now: () => this.now(),
      log,
      emit: (f) => this.emit(f),
      retryDelayMs: cfg.retryDelayMs,
      lookupSettleMs: cfg.lookupSettleMs,
    });
    this.link = new ObjectLink({
      url: cfg.url,
      token: cfg.token,
      log,
      heartbeatMs: cfg.heartbeatMs,
      stableMs: cfg.stableMs,
      backoff: new Backoff({
        baseMs: cfg.backoffBaseMs,
        capMs: cfg.backoffCapMs,
        ...(hooks.random ? { random: hooks.random } : {}),
      }),
      authFrame: () => ({
        type: "AUTH",
        token: cfg.token,
        connector_version: CONNECTOR_VERSION,
        protocol_version: CONNECTOR_PROTOCOL_VERSION,
        broker: cfg.broker,
        terminal: this.broker.terminal(),
      }),
      onReady: ({ serverTime, receivedAt }) => this.onReady(serverTime, receivedAt),
      onFrame: (f) => this.onFrame(f),
      onDown: () => this.clearSessionTimers(),
      // The person at the terminal sees why this connector is not trading (MT5: on the chart).
      onRefusal: (r) => this.broker.notice?.(r ? `REFUSED BY THE SERVER: ${r.message}` : ""),
      onFatal: (err) => {
        this.fatal = true;
        hooks.onFatal?.(`${err.code}: ${err.message}`);
      },
    });
    // Deferred to the next turn and coalesced: the EA pushes positions right behind a trade's
    // answer (often in the same TCP read), and the command's TRADE_RESULT (resolved in this turn's
    // microtasks) should be journaled and sent first. A burst of pushes becomes one
    // POSITIONS_UPDATE with the latest list (a newer one supersedes older ones anyway).
    this.broker.onPositionsChanged((positions, unreadable) => {
      const scheduled = this.latestPositions !== null;
      this.latestPositions = { positions, unreadable, at: this.now() };
      if (!scheduled) setImmediate(() => this.publishPositions());
    });
    // A terminal that (re)connected and synced: a fresh snapshot settles what happened meanwhile;
    // one that stopped being so: the object hears it at once (its lists are ignored until then).
    this.broker.onReadyChanged?.((ready) => {
      if (!this.link.ready) return;
      if (ready) this.sendSnapshot(undefined);
      else void this.sendStatus(undefined);
    });
    // Not journaled: a bar missed while the object was away comes back with the RATES_REQUEST it
    // sends on every AUTH_OK (the object upserts by bar time, so a repeat is harmless).
    this.broker.onBarClosed?.((symbol, timeframe, bar) => {
      const frame = barClosedFrame(symbol, timeframe, bar, this.log);
      if (frame) this.link.send(frame);
    });
  }

  /** The object's clock as measured at the last AUTH_OK. */
  now(): number {
    return Date.now() + this.skewMs;
  }

  async start(): Promise<void> {
    await this.broker.start();
    this.link.start();
    void this.executor.recover();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearSessionTimers();
    this.executor.stop();
    this.link.stop();
    await this.broker.stop();
    this.journal.close();
  }

  get isFatal(): boolean {
    return this.fatal;
  }

  private publishPositions(): void {
    const latest = this.latestPositions;
    this.latestPositions = null;
    if (!latest || this.stopped) return;
    const at = this.datedBeforeMissingFills(latest.positions, latest.at);
    const frame: PositionsUpdate = {
      type: "POSITIONS_UPDATE",
      id: `pos:${Date.now()}:${++this.updateSeq}`,
      reason: "change",
      positions: this.name(latest.positions),
      at,
      // The broker only reports lists while its terminal is connected and synced.
      terminal_connected: true,
      ...(latest.unreadable ? { unreadable: latest.unreadable } : {}),
    };
    this.journal.enqueue(frame);
    this.link.send(frame);
  }

  /**
   * The object closes our trades missing from a list that is dated at or after they opened. A
   * list may lack a fill the connector already reported: read before it, or read from a terminal
   * whose lists had not caught up with OrderSend yet (MT5). Such a list is dated just before the
   * earliest missing fill, so the object, which has the fill's result, does not close it.
   */
  private datedBeforeMissingFills(positions: readonly RawPosition[], at: number): number {
    const horizon = Date.now() - this.cfg.lookupSettleMs - 5000;
    this.recentOpens = this.recentOpens.filter((o) => o.reportedAt >= horizon);
    const listed = new Set(positions.map((p) => p.ticket));
    return this.recentOpens.reduce((t, o) => (listed.has(o.ticket) ? t : Math.min(t, o.executedAt - 1)), at);
  }

  private emit(frame: OutboxFrame): void {
    if (frame.type === "TRADE_RESULT" && frame.ok && frame.action === "OPEN" && frame.ticket) {
      this.recentOpens.push({ ticket: frame.ticket, executedAt: frame.executed_at, reportedAt: Date.now() });
    }
    // Closed by us: its absence from a list is expected, not lag.
    if (frame.type === "TRADE_RESULT" && frame.ok && frame.action === "CLOSE" && frame.ticket) {
      const ticket = frame.ticket;
      this.recentOpens = this.recentOpens.filter((o) => o.ticket !== ticket);
    }
    this.link.send(frame);
  }

  private onReady(serverTime: number, receivedAt: number): void {
    this.skewMs = serverTime - receivedAt;
    if (Math.abs(this.skewMs) > 2000)
      this.log.warn(`clock skew to the server: ${this.skewMs} ms (expiry is judged on the server's clock)`);
    // Unacked results and updates first: they settle commands the object is waiting on.
    const pending = this.journal.unacked();
    if (pending.length) this.log.info(`re-sending ${pending.length} unacknowledged frame(s)`);
    for (const f of pending) this.emit(f);
    this.sendSnapshot(undefined);
    this.statusTimer = setInterval(() => void this.sendStatus(undefined), this.cfg.statusMs);
  }

  private clearSessionTimers(): void {
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.statusTimer = null;
    this.syncTimer = null;
  }

  private onFrame(f: Exclude<ObjectToConnectorFrame, { type: "PING" | "PONG" | "AUTH_OK" | "AUTH_ERROR" }>): void {
    switch (f.type) {
      case "TRADE_COMMAND":
      case "TRADE_OPEN":
      case "TRADE_CLOSE":
      case "TRADE_MODIFY":
      case "UPDATE_SL":
      case "MOVE_BREAKEVEN":
        void this.executor.handle(f).catch((e) => this.log.error(`command ${f.command_id}: ${String(e)}`));
        return;
      case "ACK":
        this.journal.ack(f.ids);
        return;
      case "SYNC_REQUEST":
        this.sendSnapshot(f.request_id);
        return;
      case "GET_POSITIONS":
        void this.broker.positions().then(
          (p) =>
            this.link.send({
              type: "POSITIONS_UPDATE",
              id: `pos:${Date.now()}:${++this.updateSeq}`,
              reason: "request",
              positions: this.name(p),
              at: this.now(),
              terminal_connected: true,
              ...(f.request_id ? { request_id: f.request_id } : {}),
            }),
          (e) =>
            this.link.send({
              type: "ERROR",
              code: "internal",
              message: `positions unavailable: ${String(e)}`,
              ref_type: f.type,
              ...(f.request_id ? { ref_id: f.request_id } : {}),
            }),
        );
        return;
      case "GET_ACCOUNT":
        void this.sendStatus(f.request_id);
        return;
      case "RATES_REQUEST":
        void answerRates(this.broker, f, this.now(), this.log).then((r) => this.link.send(r));
        return;
      case "ERROR":
        this.log.warn(
          `server reported an error: ${f.code}: ${f.message}${f.ref_type ? ` (about ${f.ref_type} ${f.ref_id ?? ""})` : ""}`,
        );
        return;
    }
  }

  /** Full snapshot; retried until the terminal answers so an absent EA never reads as "no positions". */
  private sendSnapshot(requestId: string | undefined): void {
    void this.snapshot(requestId).then(
      (frame) => this.link.send(frame),
      (e) => {
        this.log.warn(`snapshot not available yet (${errorMessage(e)}); retrying`);
        void this.sendStatus(undefined);
        if (this.link.ready) this.syncTimer = setTimeout(() => this.sendSnapshot(requestId), this.cfg.retryDelayMs);
      },
    );
  }

  private async snapshot(requestId: string | undefined): Promise<SyncResponse> {
    // Dated before the reads: a fill while they run may be missing from the list, and the object
    // only closes trades that opened at or before `at`.
    const at = this.now();
    const b = this.broker;
    const [list, deals, account] = await Promise.all([
      b.positionsWithGaps ? b.positionsWithGaps() : b.positions().then((positions) => ({ positions, unreadable: 0 })),
      this.broker.history({ from: this.now() - SYNC_DEALS_WINDOW_MS }),
      this.broker.account(),
    ]);
    return {
      type: "SYNC_RESPONSE",
      ...(requestId ? { request_id: requestId } : {}),
      reason: requestId ? "request" : "reconnect",
      broker: this.cfg.broker,
      terminal_connected: this.broker.isConnected(),
      account,
      positions: this.name(list.positions),
      deals: this.nameDeals(deals.slice(-5000)),
      at: this.datedBeforeMissingFills(list.positions, at),
      ...(list.unreadable ? { unreadable: list.unreadable } : {}),
      terminal: this.broker.terminal(),
    };
  }

  private async sendStatus(requestId: string | undefined): Promise<void> {
    const account = this.broker.isConnected() ? await this.broker.account().catch(() => null) : null;
    const frame: StatusUpdate = {
      type: "STATUS_UPDATE",
      ...(requestId ? { request_id: requestId } : {}),
      broker: this.cfg.broker,
      connector_version: CONNECTOR_VERSION,
      terminal_connected: this.broker.isConnected(),
      account,
      unacked: this.journal.unacked().length,
      at: this.now(),
      terminal: this.broker.terminal(),
    };
    this.link.send(frame);
  }

  /** Attach client ids: the comment when it is ours, else a journaled id with this magic. */
  private clientIdOf(magic: number, comment: string): string | null {
    if (magic === 0) return null;
    if (ClientOrderIdSchema.safeParse(comment).success && magicFor(comment) === magic) return comment;
    for (const id of this.journal.clientIds()) if (matchesClientId(magic, comment, id)) return id;
    return null;
  }

  private name(positions: RawPosition[]): BrokerPosition[] {
    return positions.map((p) => {
      const id = this.clientIdOf(p.magic, p.comment);
      return { ...p, comment: p.comment.slice(0, 64), client_order_id: id, manual: id === null };
    });
  }

  private nameDeals(deals: RawDeal[]) {
    return deals.map((d) => ({
      ...d,
      comment: d.comment.slice(0, 64),
      client_order_id: this.clientIdOf(d.magic, d.comment),
    }));
  }
}
