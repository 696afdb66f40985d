import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { z } from "zod";
import type { Bar } from "../../../core/market/bar";
import type { Timeframe } from "../../../core/market/timeframes";
import type { AccountInfo, TerminalInfo } from "../../../core/protocol/connector";
import { issueText } from "../../../core/util/zod-issues";
import { commentFor, magicFor } from "../client-id";
import type { Logger } from "../log";
import type { Broker, CloseFill, HistoryFilter, OpenFill, OpenOrder, RawDeal, RawOrder, RawPosition } from "./broker";
import { BrokerError } from "./broker";
import {
  EA_PROTOCOL_VERSION,
  type EaAccount,
  type EaBar,
  type EaDeal,
  EaDealSchema,
  EaEventSchema,
  type EaHello,
  EaHelloEvent,
  type EaOkPayload,
  EaOkPayloads,
  type EaOp,
  type EaOrder,
  EaOrderSchema,
  type EaPosition,
  EaPositionSchema,
  type EaRequest,
  EaResponseSchema,
  type EaSymbolInfo,
  type EaTerminalState,
  type EaTradeFacts,
  MAX_EA_LINE_BYTES,
  MAX_NOTICE_CHARS,
} from "./ea-protocol";
import { readLines, writeLine } from "./line-socket";
import { checkVolume, chooseFilling, toTick } from "./symbol-rules";
import { outcomeOf, retcodeName } from "./trade-outcome";

export interface Mt5Options {
  port: number;
  host?: string;
  /** The shared secret the EA's hello must carry (config `eaSecret`, EA input InpSecret). */
  secret: string;
  /** The account this connector trades: an EA on any other login/server is refused. */
  login: string;
  server: string;
  /** How long a request waits for the EA to (re)connect before failing with terminal_unavailable. */
  eaWaitMs?: number;
  /** A trade request with no answer after this is "uncertain" (it may have executed). */
  requestTimeoutMs?: number;
  /** The EA is pinged this often; two unanswered pings drop its link. */
  pingMs?: number;
  /** A connection that has not sent a valid hello after this is closed. */
  helloTimeoutMs?: number;
  /** OrderSend answers that executed nothing and may be sent again at once (requotes): at most this many sends. */
  requoteAttempts?: number;
  deviationPoints?: number;
  log: Logger;
}

interface Pending {
  op: EaOp;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** The one authenticated EA link and what it reported. */
interface Link {
  socket: Socket;
  hello: EaHello;
  state: EaTerminalState;
  symbols: Map<string, EaSymbolInfo>;
}

const TRADE_OPS: ReadonlySet<EaOp> = new Set(["open", "close", "modify"]);
/** Bytes a connection may send before its hello (an HTTP request from a web page, garbage). */
const MAX_PRE_HELLO_BYTES = 64 * 1024;

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * MT5 through the Expert Advisor: the connector is the TCP server on 127.0.0.1 and the EA dials
 * in (MQL5 sockets are client-only). A connection counts only after a hello with the shared
 * secret, protocol 2 and the pinned login/server; lines before it are ignored. The first
 * authenticated link wins: while it is up, every other connection is refused, so a second chart,
 * another terminal or a local intruder can neither take orders nor inject a positions list.
 * Positions lists are used only while the terminal is connected and synced.
 */
export class Mt5Broker implements Broker {
  readonly kind = "mt5" as const;
  private server: Server | null = null;
  private link: Link | null = null;
  private pending = new Map<string, Pending>();
  private seq = 0;
  private listeners = new Set<(p: RawPosition[], unreadable: number) => void>();
  private readyListeners = new Set<(ready: boolean) => void>();
  private waiters = new Set<() => void>();
  private pingTimer: NodeJS.Timeout | null = null;
  private missedPings = 0;
  private barSubs = new Map<string, { symbol: string; timeframe: Timeframe }>();
  private noticeText = "";
  private barListeners = new Set<(symbol: string, timeframe: Timeframe, bar: Bar) => void>();
  /** POSITION_IDENTIFIER -> POSITION_TICKET, from every list read (deals name identifiers). */
  private tickets = new Map<string, string>();
  /** Connections refused or closed before a valid hello (for tests and the log). */
  readonly refused = { total: 0, reasons: [] as string[] };

  constructor(private readonly opts: Mt5Options) {}

  get port(): number {
    const addr = this.server?.address();
    return typeof addr === "object" && addr ? addr.port : this.opts.port;
  }

  async start(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      // Loopback only: the bridge never listens on a network interface.
      server.listen(this.opts.port, this.opts.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.opts.log.info(
      `MT5 bridge listening on ${this.opts.host ?? "127.0.0.1"}:${this.port}; waiting for the EdgetraderBridge EA (account ${this.opts.login} on ${this.opts.server})`,
    );
    this.pingTimer = setInterval(() => this.pingEa(), this.opts.pingMs ?? 5000);
    this.pingTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.link?.socket.destroy();
    this.failPending("connector stopping");
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Connected to the trade server and synced: only then are its lists the account's. */
  isConnected(): boolean {
    return Boolean(this.link?.state.connected && this.link.state.synced);
  }

  terminal(): TerminalInfo | null {
    const l = this.link;
    if (!l) return null;
    const t = l.hello.terminal;
    return {
      connected: l.state.connected,
      synced: l.state.synced,
      name: t.name,
      company: t.company,
      server: t.server,
      login: t.login,
      ea_version: l.hello.ea_version,
      trade_allowed: l.state.trade_allowed,
      margin_mode: t.margin_mode,
    };
  }

  onPositionsChanged(listener: (positions: RawPosition[], unreadable: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called with true when the terminal becomes connected+synced (after a restart or login), false when it stops being so. */
  onReadyChanged(listener: (ready: boolean) => void): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  // ------------------------------------------------------------------ trading

  async open(order: OpenOrder): Promise<OpenFill> {
    const info = await this.symbolInfo(order.symbol);
    const vol = checkVolume(info, order.volume);
    if (!vol.ok) throw new BrokerError("invalid", vol.message);
    const f = await this.trade(
      "open",
      {
        symbol: order.symbol,
        side: order.side,
        volume: vol.volume,
        sl: toTick(info, order.sl ?? 0),
        tp: toTick(info, order.tp ?? 0),
        magic: magicFor(order.client_order_id),
        comment: commentFor(order.client_order_id),
        deviation: this.opts.deviationPoints ?? 20,
        filling: chooseFilling(info),
      },
      order.deadline,
    );
    const ticket = f.position_ticket !== "0" ? f.position_ticket : f.position;
    // DONE without a position or deal named: the facts are incomplete; only a lookup can tell.
    if (ticket === "0" || f.volume <= 0 || f.price <= 0)
      throw new BrokerError(
        "internal",
        `open answered ${retcodeName(f.retcode)} without a position`,
        true,
        String(f.retcode),
      );
    if (f.position !== "0") this.tickets.set(f.position, ticket);
    return { ticket, price: f.price, volume: f.volume, time: f.time_msc };
  }

  async close(ticket: string, clientOrderId: string, volume?: number, deadline?: number): Promise<CloseFill> {
    const pos = (await this.positions()).find((p) => p.ticket === ticket);
    if (!pos) throw new BrokerError("not_found", `position ${ticket} not found`);
    const info = await this.symbolInfo(pos.symbol);
    let part = 0;
    if (volume !== undefined && volume < pos.volume) {
      const v = checkVolume(info, volume);
      if (!v.ok) throw new BrokerError("invalid", v.message);
      part = v.volume;
    }
    const f = await this.trade(
      "close",
      {
        ticket,
        volume: part,
        magic: magicFor(clientOrderId),
        comment: commentFor(clientOrderId),
        deviation: this.opts.deviationPoints ?? 20,
        filling: chooseFilling(info),
      },
      deadline,
    );
    if (f.volume <= 0 || f.price <= 0)
      throw new BrokerError(
        "internal",
        `close answered ${retcodeName(f.retcode)} without a deal`,
        true,
        String(f.retcode),
      );
    return { price: f.price, volume: f.volume, time: f.time_msc };
  }

  async modify(ticket: string, sl: number | null | undefined, tp: number | null | undefined, deadline?: number) {
    const pos = (await this.positions()).find((p) => p.ticket === ticket);
    if (!pos) throw new BrokerError("not_found", `position ${ticket} not found`);
    const info = await this.symbolInfo(pos.symbol);
    const body: { ticket: string; sl?: number; tp?: number } = { ticket };
    if (sl !== undefined) body.sl = toTick(info, sl ?? 0);
    if (tp !== undefined) body.tp = toTick(info, tp ?? 0);
    const f = await this.trade("modify", body, deadline);
    // The levels the terminal holds now, not the ones asked for.
    return { sl: f.sl > 0 ? f.sl : null, tp: f.tp > 0 ? f.tp : null };
  }

  /**
   * One trade request and the meaning of its retcode (trade-outcome.ts). Requotes and moved
   * prices executed nothing and are sent again, at most requoteAttempts times in all.
   */
  private async trade<Op extends "open" | "close" | "modify">(
    op: Op,
    body: Omit<Extract<EaRequest, { op: Op }>, "id" | "op" | "deadline_ms">,
    deadline: number | undefined,
  ): Promise<EaTradeFacts> {
    const attempts = this.opts.requoteAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      const f = (await this.request(op, { ...body, deadline_ms: this.deadline(deadline) } as Omit<
        Extract<EaRequest, { op: Op }>,
        "id" | "op"
      >)) as EaTradeFacts;
      if (f.existing) return f;
      const o = outcomeOf(f.retcode);
      const what = `${op}: ${retcodeName(f.retcode)}${f.server_comment ? ` (${f.server_comment})` : ""}`;
      switch (o.kind) {
        case "done":
          return f;
        case "retry":
          if (attempt < attempts) continue;
          throw new BrokerError("rejected", `${what} after ${attempt} attempts`, false, String(f.retcode));
        case "doubt":
          throw new BrokerError("internal", `${what}: outcome unknown`, true, String(f.retcode));
        case "unavailable":
          throw new BrokerError("terminal_unavailable", what, false, String(f.retcode));
        case "gone":
          throw new BrokerError("not_found", what, false, String(f.retcode));
        case "final":
          throw new BrokerError(o.code, what, false, String(f.retcode));
      }
    }
  }

  /**
   * The EA refuses a request after this. Never later than half the request timeout: once the
   * connector has given up waiting (and may look the order up and send it again), a request still
   * queued in the terminal must not run.
   */
  private deadline(commandDeadline: number | undefined): number {
    const cap = Date.now() + Math.floor((this.opts.requestTimeoutMs ?? 30_000) / 2);
    return Math.min(commandDeadline ?? cap, cap);
  }

  private async symbolInfo(symbol: string): Promise<EaSymbolInfo> {
    const link = await this.waitForEa();
    const known = link.symbols.get(symbol);
    if (known) return known;
    const r = await this.request("symbol", { symbol });
    link.symbols.set(symbol, r.info);
    return r.info;
  }

  // ------------------------------------------------------------------ lists

  async positions(): Promise<RawPosition[]> {
    return (await this.positionsWithGaps()).positions;
  }

  /** The positions list item by item: unreadable ones are reported and counted, not fatal. */
  async positionsWithGaps(): Promise<{ positions: RawPosition[]; unreadable: number }> {
    const r = await this.request("positions", {});
    if (!r.synced) throw new BrokerError("terminal_unavailable", "the terminal has not synced its positions yet");
    return this.readPositions(r.positions);
  }

  async orders(): Promise<RawOrder[]> {
    const r = await this.request("orders", {});
    if (!r.synced) throw new BrokerError("terminal_unavailable", "the terminal has not synced its orders yet");
    return this.items(r.orders, EaOrderSchema, "order").map(toRawOrder);
  }

  async history(filter: HistoryFilter): Promise<RawDeal[]> {
    const position = filter.position_ticket
      ? (this.identifierOf(filter.position_ticket) ?? filter.position_ticket)
      : "";
    const r = await this.request("history", {
      from_ms: filter.from,
      magic: filter.client_order_id ? magicFor(filter.client_order_id) : 0,
      position,
    });
    if (!r.synced) throw new BrokerError("terminal_unavailable", "the terminal has not synced its history yet");
    return this.items(r.deals, EaDealSchema, "deal").map((d) =>
      toRawDeal(d, this.tickets.get(d.position) ?? d.position),
    );
  }

  private readPositions(raw: unknown[]): { positions: RawPosition[]; unreadable: number } {
    const good = this.items(raw, EaPositionSchema, "position");
    for (const p of good) this.tickets.set(p.identifier, p.ticket);
    return { positions: good.map(toRawPosition), unreadable: raw.length - good.length };
  }

  private items<T>(raw: unknown[], schema: z.ZodType<T>, what: string): T[] {
    const out: T[] = [];
    for (const item of raw) {
      const r = schema.safeParse(item);
      if (r.success) out.push(r.data);
      else
        this.opts.log.warn(
          `EA sent an unreadable ${what} (left out): ${issueText(r.error)}: ${JSON.stringify(item).slice(0, 300)}`,
        );
    }
    return out;
  }

  private identifierOf(ticket: string): string | undefined {
    for (const [id, t] of this.tickets) if (t === ticket) return id;
    return undefined;
  }

  // ------------------------------------------------------------------ market data

  async rates(symbol: string, timeframe: Timeframe, count: number): Promise<Bar[]> {
    const r = await this.request("rates", { symbol, timeframe, count });
    return r.bars.map(toBar);
  }

  subscribeBars(symbol: string, timeframe: Timeframe): void {
    const key = `${symbol}|${timeframe}`;
    if (this.barSubs.has(key)) return;
    this.barSubs.set(key, { symbol, timeframe });
    if (this.link) this.sendSubscribe(symbol, timeframe);
  }

  onBarClosed(listener: (symbol: string, timeframe: Timeframe, bar: Bar) => void): () => void {
    this.barListeners.add(listener);
    return () => this.barListeners.delete(listener);
  }

  /** Kept and shown again to a (re)started EA until cleared. */
  notice(text: string): void {
    const t = text.slice(0, MAX_NOTICE_CHARS);
    if (t === this.noticeText) return;
    this.noticeText = t;
    if (this.link) this.sendNotice();
  }

  private sendNotice(): void {
    this.request("notice", { text: this.noticeText }).catch((e: unknown) => this.opts.log.warn(`notice: ${String(e)}`));
  }

  private sendSubscribe(symbol: string, timeframe: Timeframe): void {
    this.request("subscribe_bars", { symbol, timeframe }).catch((e: unknown) =>
      this.opts.log.warn(`subscribe_bars ${symbol} ${timeframe}: ${String(e)}`),
    );
  }

  async account(): Promise<AccountInfo> {
    const r = await this.request("account", {});
    this.setState({ connected: r.terminal_connected, synced: r.synced, trade_allowed: r.trade_allowed });
    return toAccount(r.account);
  }

  // ------------------------------------------------------------------ link

  /** A new local connection: nothing it says counts until a valid hello. */
  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    let linked = false;
    let preBytes = 0;
    const refuse = (reason: string) => {
      this.refused.total++;
      this.refused.reasons.push(reason);
      this.opts.log.warn(
        `EA bridge: refused a connection from ${socket.remoteAddress}:${socket.remotePort}: ${reason}`,
      );
      writeLine(socket, { event: "refused", reason });
      socket.end();
      socket.destroy();
    };
    const helloTimer = setTimeout(() => refuse("no valid hello in time"), this.opts.helloTimeoutMs ?? 5000);
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(helloTimer);
      if (!linked || this.link?.socket !== socket) return;
      this.link = null;
      this.opts.log.warn("EA disconnected");
      this.failPending("EA link dropped");
      this.emitReady(false);
    });
    readLines(
      socket,
      (line) => {
        if (linked) return this.onLine(socket, line);
        preBytes += line.length;
        if (preBytes > MAX_PRE_HELLO_BYTES) return refuse("too much data before a hello");
        const hello = parseHello(line);
        if (!hello) return; // ignored: not a hello (an HTTP request line, noise)
        const problem = this.helloProblem(hello);
        if (problem) return refuse(problem);
        if (this.link && !this.link.socket.destroyed)
          return refuse("an EA is already linked (the first authenticated link wins)");
        clearTimeout(helloTimer);
        linked = true;
        this.adopt(socket, hello);
      },
      MAX_EA_LINE_BYTES,
      () => {
        this.opts.log.error("EA line too long; dropping the connection");
        socket.destroy();
      },
    );
  }

  private helloProblem(h: EaHello): string | null {
    if (!safeEqual(h.secret, this.opts.secret))
      return "wrong secret (set the EA's InpSecret to the connector's eaSecret)";
    if (h.protocol !== EA_PROTOCOL_VERSION)
      return `EA protocol ${h.protocol}; this connector speaks ${EA_PROTOCOL_VERSION}: install the EA shipped with this connector`;
    if (h.terminal.login !== this.opts.login || h.terminal.server !== this.opts.server) {
      return `the EA is on account ${h.terminal.login} at ${h.terminal.server}; this connector trades ${this.opts.login} at ${this.opts.server} only`;
    }
    return null;
  }

  private adopt(socket: Socket, hello: EaHello): void {
    const t = hello.terminal;
    this.link = {
      socket,
      hello,
      state: { connected: t.connected, synced: t.synced, trade_allowed: t.trade_allowed },
      symbols: new Map(),
    };
    this.missedPings = 0;
    this.opts.log.info(
      `EA linked: ${t.company} ${t.server} login ${t.login} (${t.margin_mode}), EA ${hello.ea_version}; connected ${t.connected}, synced ${t.synced}, trading allowed ${t.trade_allowed}`,
    );
    if (t.margin_mode !== "hedging")
      this.opts.log.error(
        `account ${t.login} is a ${t.margin_mode} account: edgetrader trades hedging accounts only; every order will be refused`,
      );
    if (!t.trade_allowed)
      this.opts.log.warn(
        "trading is not allowed in the terminal (Algo Trading off, or the EA's 'Allow Algo Trading' unticked): orders wait until it is",
      );
    for (const w of this.waiters) w();
    this.waiters.clear();
    // A (re)started EA knows no subscriptions: renew them.
    for (const sub of this.barSubs.values()) this.sendSubscribe(sub.symbol, sub.timeframe);
    if (this.noticeText !== "") this.sendNotice();
    if (this.isConnected()) this.emitReady(true);
  }

  private setState(next: EaTerminalState): void {
    const link = this.link;
    if (!link) return;
    const was = this.isConnected();
    const before = link.state;
    link.state = next;
    if (before.trade_allowed !== next.trade_allowed)
      this.opts.log.warn(
        `terminal: trading ${next.trade_allowed ? "allowed again" : "not allowed (Algo Trading off?)"}`,
      );
    if (before.connected !== next.connected)
      this.opts.log.warn(`terminal: ${next.connected ? "connected to" : "disconnected from"} the trade server`);
    const is = this.isConnected();
    if (was !== is) this.emitReady(is);
  }

  private emitReady(ready: boolean): void {
    for (const l of this.readyListeners) l(ready);
  }

  private onLine(socket: Socket, line: string): void {
    if (socket !== this.link?.socket) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      this.opts.log.warn(`EA sent a line that is not JSON: ${line.slice(0, 200)}`);
      return;
    }
    if (typeof raw === "object" && raw !== null && "event" in raw) {
      const ev = EaEventSchema.safeParse(raw);
      if (!ev.success) {
        this.opts.log.warn(`bad EA event: ${ev.error.issues[0]?.message ?? ""}`);
        return;
      }
      const e = ev.data;
      if (e.event === "terminal") {
        this.setState({ connected: e.connected, synced: e.synced, trade_allowed: e.trade_allowed });
      } else if (e.event === "positions") {
        // An unsynced (or disconnected) terminal lists nothing: that is not "every position closed".
        if (!e.synced || !this.link.state.connected) return;
        const { positions, unreadable } = this.readPositions(e.positions);
        for (const l of this.listeners) l(positions, unreadable);
      } else if (e.event === "bar_closed") {
        for (const l of this.barListeners) l(e.symbol, e.timeframe, toBar(e.bar));
      } else if (e.event === "account") {
        this.setState({ connected: e.terminal_connected, synced: e.synced, trade_allowed: e.trade_allowed });
      }
      // A second "hello" on a linked socket changes nothing; "deal" events come with a positions event.
      return;
    }
    const res = EaResponseSchema.safeParse(raw);
    if (!res.success) {
      this.opts.log.warn(`bad EA response: ${line.slice(0, 200)}`);
      return;
    }
    const p = this.pending.get(res.data.id);
    if (!p) return; // late answer to a request we gave up on
    this.pending.delete(res.data.id);
    clearTimeout(p.timer);
    if (res.data.ok) {
      const payload = EaOkPayloads[p.op].safeParse(res.data);
      if (payload.success) p.resolve(payload.data);
      else
        p.reject(
          new BrokerError(
            "internal",
            `EA answered ${p.op} with a bad payload: ${payload.error.issues[0]?.message ?? ""}`,
            TRADE_OPS.has(p.op),
          ),
        );
    } else {
      // The EA refused before calling OrderSend: nothing reached the trade server.
      const e = res.data.error;
      p.reject(new BrokerError(e.code, e.message, false, e.retcode));
    }
  }

  private pingEa(): void {
    if (!this.link) return;
    if (this.missedPings >= 2) {
      this.opts.log.warn("EA missed two pings; dropping its link");
      this.link.socket.destroy();
      return;
    }
    this.missedPings++;
    this.request("ping", {}).then(
      () => (this.missedPings = 0),
      () => undefined,
    );
  }

  private failPending(reason: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new BrokerError("terminal_unavailable", reason, TRADE_OPS.has(p.op)));
      this.pending.delete(id);
    }
  }

  private async waitForEa(): Promise<Link> {
    const deadline = Date.now() + (this.opts.eaWaitMs ?? 10_000);
    while (!this.link) {
      const left = deadline - Date.now();
      if (left <= 0) throw new BrokerError("terminal_unavailable", "the EdgetraderBridge EA is not connected");
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(left, 250));
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.waiters.add(done);
      });
    }
    return this.link;
  }

  /** Trading needs a hedging account whose terminal is connected, synced and allowed to trade. */
  private tradingProblem(link: Link): BrokerError | null {
    const s = link.state;
    if (link.hello.terminal.margin_mode !== "hedging")
      return new BrokerError(
        "rejected",
        `account ${link.hello.terminal.login} is a ${link.hello.terminal.margin_mode} account; edgetrader trades hedging accounts only`,
        false,
        "margin_mode",
      );
    if (!s.connected)
      return new BrokerError("terminal_unavailable", "the terminal is not connected to its trade server");
    if (!s.synced)
      return new BrokerError("terminal_unavailable", "the terminal has not synced with its trade server yet");
    if (!s.trade_allowed)
      return new BrokerError("terminal_unavailable", "trading is not allowed in the terminal (Algo Trading off)");
    return null;
  }

  private async request<Op extends EaOp>(
    op: Op,
    body: Omit<Extract<EaRequest, { op: Op }>, "id" | "op">,
  ): Promise<EaOkPayload<Op>> {
    const link = await this.waitForEa();
    if (TRADE_OPS.has(op)) {
      const problem = this.tradingProblem(link);
      if (problem) throw problem;
    }
    const id = `r${++this.seq}`;
    return new Promise<EaOkPayload<Op>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BrokerError("terminal_unavailable", `EA did not answer ${op} in time`, TRADE_OPS.has(op)));
      }, this.opts.requestTimeoutMs ?? 30_000);
      this.pending.set(id, { op, resolve: resolve as (v: unknown) => void, reject, timer });
      if (!writeLine(link.socket, { id, op, ...body })) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new BrokerError("terminal_unavailable", "EA link closed", false));
      }
    });
  }
}

function parseHello(line: string): EaHello | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  const r = EaHelloEvent.safeParse(raw);
  return r.success ? r.data : null;
}

function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function level(v: number): number | null {
  return v > 0 ? v : null;
}

export function toBar(b: EaBar): Bar {
  return { time: b.time, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.tick_volume };
}

export function toRawPosition(p: EaPosition): RawPosition {
  return {
    ticket: p.ticket,
    ...(p.identifier !== p.ticket ? { identifier: p.identifier } : {}),
    symbol: p.symbol,
    side: p.side,
    volume: p.volume,
    open_price: p.open_price,
    ...(p.current_price > 0 ? { current_price: p.current_price } : {}),
    sl: level(p.sl),
    tp: level(p.tp),
    profit: p.profit,
    swap: p.swap,
    opened_at: p.time_msc,
    magic: p.magic,
    comment: p.comment,
  };
}

/** positionTicket: the position's TICKET for the deal's DEAL_POSITION_ID (identifier), when known. */
export function toRawDeal(d: EaDeal, positionTicket: string): RawDeal {
  return {
    ticket: d.ticket,
    order: d.order,
    position_ticket: positionTicket,
    symbol: d.symbol,
    side: d.side,
    entry: d.entry,
    volume: d.volume,
    price: d.price,
    profit: d.profit,
    time: d.time_msc,
    magic: d.magic,
    comment: d.comment,
  };
}

function toRawOrder(o: EaOrder): RawOrder {
  return {
    ticket: o.ticket,
    symbol: o.symbol,
    side: o.side,
    volume: o.volume_current || o.volume_initial,
    magic: o.magic,
    comment: o.comment,
  };
}

export function toAccount(a: EaAccount): AccountInfo {
  return {
    login: a.login,
    server: a.server,
    company: a.company,
    currency: a.currency,
    balance: a.balance,
    equity: a.equity,
    margin: a.margin,
    free_margin: a.free_margin,
    leverage: a.leverage,
  };
}
