import { createServer, type Server, type Socket } from "node:net";
import type { Bar } from "../../../core/market/bar";
import type { Timeframe } from "../../../core/market/timeframes";
import type { AccountInfo, TerminalInfo } from "../../../core/protocol/connector";
import { commentFor, magicFor } from "../client-id";
import type { Logger } from "../log";
import type { Broker, CloseFill, HistoryFilter, OpenFill, OpenOrder, RawDeal, RawPosition } from "./broker";
import { BrokerError } from "./broker";
import {
  EaEventSchema,
  EaOkPayloads,
  EaResponseSchema,
  MAX_EA_LINE_BYTES,
  type EaAccount,
  type EaBar,
  type EaDeal,
  type EaHello,
  type EaOkPayload,
  type EaOp,
  type EaPosition,
  type EaRequest,
} from "./ea-protocol";
import { readLines, writeLine } from "./line-socket";

export interface Mt5Options {
  port: number;
  host?: string;
  /** How long a request waits for the EA to (re)connect before failing with terminal_unavailable. */
  eaWaitMs?: number;
  /** A trade request with no answer after this is "uncertain" (it may have executed). */
  requestTimeoutMs?: number;
  /** The EA is pinged this often; two unanswered pings drop its link. */
  pingMs?: number;
  deviationPoints?: number;
  log: Logger;
}

interface Pending {
  op: EaOp;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const TRADE_OPS: ReadonlySet<EaOp> = new Set(["open", "close", "modify"]);

/**
 * MT5 through the Expert Advisor: the connector is the TCP server on 127.0.0.1 and the EA dials
 * in (MQL5 sockets are client-only). One EA link at a time; a new one replaces the old.
 */
export class Mt5Broker implements Broker {
  readonly kind = "mt5" as const;
  private server: Server | null = null;
  private ea: Socket | null = null;
  private hello: EaHello | null = null;
  private lastAccount: { account: EaAccount; terminal_connected: boolean } | null = null;
  private pending = new Map<string, Pending>();
  private seq = 0;
  private listeners = new Set<(p: RawPosition[]) => void>();
  private waiters = new Set<() => void>();
  private pingTimer: NodeJS.Timeout | null = null;
  private missedPings = 0;
  private barSubs = new Map<string, { symbol: string; timeframe: Timeframe }>();
  private barListeners = new Set<(symbol: string, timeframe: Timeframe, bar: Bar) => void>();

  constructor(private readonly opts: Mt5Options) {}

  get port(): number {
    const addr = this.server?.address();
    return typeof addr === "object" && addr ? addr.port : this.opts.port;
  }

  async start(): Promise<void> {
    const server = createServer((socket) => this.attach(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.opts.log.info(`MT5 bridge listening on ${this.opts.host ?? "127.0.0.1"}:${this.port}; waiting for the EdgetraderBridge EA`);
    this.pingTimer = setInterval(() => this.pingEa(), this.opts.pingMs ?? 5000);
    this.pingTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.ea?.destroy();
    this.failPending("connector stopping");
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  isConnected(): boolean {
    return this.ea !== null && (this.lastAccount?.terminal_connected ?? this.hello?.terminal.connected ?? false);
  }

  terminal(): TerminalInfo | null {
    if (!this.hello || !this.ea) return null;
    const t = this.hello.terminal;
    return {
      connected: this.lastAccount?.terminal_connected ?? t.connected,
      name: t.name,
      company: t.company,
      server: t.server,
      login: t.login,
      ea_version: this.hello.ea_version,
      trade_allowed: t.trade_allowed,
    };
  }

  onPositionsChanged(listener: (positions: RawPosition[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async open(order: OpenOrder): Promise<OpenFill> {
    const r = await this.request("open", {
      symbol: order.symbol,
      side: order.side,
      volume: order.volume,
      sl: order.sl ?? 0,
      tp: order.tp ?? 0,
      magic: magicFor(order.client_order_id),
      comment: commentFor(order.client_order_id),
      deviation: this.opts.deviationPoints ?? 20,
    });
    return { ticket: r.ticket, price: r.price, volume: r.volume, time: r.time_msc };
  }

  async close(ticket: string, clientOrderId: string, volume?: number): Promise<CloseFill> {
    const r = await this.request("close", {
      ticket,
      volume: volume ?? 0,
      magic: magicFor(clientOrderId),
      deviation: this.opts.deviationPoints ?? 20,
    });
    return { price: r.price, volume: r.volume, time: r.time_msc };
  }

  async modify(ticket: string, sl: number | null | undefined, tp: number | null | undefined) {
    const body: { ticket: string; sl?: number; tp?: number } = { ticket };
    if (sl !== undefined) body.sl = sl ?? 0;
    if (tp !== undefined) body.tp = tp ?? 0;
    const r = await this.request("modify", body);
    return { sl: r.sl || null, tp: r.tp || null };
  }

  async positions(): Promise<RawPosition[]> {
    const r = await this.request("positions", {});
    return r.positions.map(toRawPosition);
  }

  async history(filter: HistoryFilter): Promise<RawDeal[]> {
    const r = await this.request("history", {
      from_ms: filter.from,
      magic: filter.client_order_id ? magicFor(filter.client_order_id) : 0,
      position: filter.position_ticket ?? "",
    });
    return r.deals.map(toRawDeal);
  }

  async rates(symbol: string, timeframe: Timeframe, count: number): Promise<Bar[]> {
    const r = await this.request("rates", { symbol, timeframe, count });
    return r.bars.map(toBar);
  }

  subscribeBars(symbol: string, timeframe: Timeframe): void {
    const key = `${symbol}|${timeframe}`;
    if (this.barSubs.has(key)) return;
    this.barSubs.set(key, { symbol, timeframe });
    if (this.ea && this.hello) this.sendSubscribe(symbol, timeframe);
  }

  onBarClosed(listener: (symbol: string, timeframe: Timeframe, bar: Bar) => void): () => void {
    this.barListeners.add(listener);
    return () => this.barListeners.delete(listener);
  }

  private sendSubscribe(symbol: string, timeframe: Timeframe): void {
    this.request("subscribe_bars", { symbol, timeframe }).catch((e: unknown) => this.opts.log.warn(`subscribe_bars ${symbol} ${timeframe}: ${String(e)}`));
  }

  async account(): Promise<AccountInfo> {
    const r = await this.request("account", {});
    this.lastAccount = r;
    return toAccount(r.account);
  }

  // ------------------------------------------------------------------ link

  private attach(socket: Socket): void {
    socket.setNoDelay(true);
    if (this.ea) {
      this.opts.log.warn("a second EA connected; replacing the first link");
      this.ea.destroy();
    }
    this.ea = socket;
    this.hello = null;
    this.missedPings = 0;
    this.opts.log.info(`EA connected from ${socket.remoteAddress}:${socket.remotePort}`);
    readLines(socket, (line) => this.onLine(socket, line), MAX_EA_LINE_BYTES, () => {
      this.opts.log.error("EA line too long; dropping the link");
      socket.destroy();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      if (this.ea !== socket) return;
      this.ea = null;
      this.hello = null;
      this.opts.log.warn("EA disconnected");
      this.failPending("EA link dropped");
    });
  }

  private onLine(socket: Socket, line: string): void {
    if (socket !== this.ea) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      this.opts.log.warn(`EA sent a line that is not JSON: ${line.slice(0, 200)}`);
      return;
    }
    if (typeof raw === "object" && raw !== null && "event" in raw) {
      const ev = EaEventSchema.safeParse(raw);
      if (!ev.success) return this.opts.log.warn(`bad EA event: ${ev.error.issues[0]?.message ?? ""}`);
      const e = ev.data;
      if (e.event === "hello") {
        this.hello = e;
        this.opts.log.info(`EA hello: ${e.terminal.company} ${e.terminal.server} login ${e.terminal.login}, EA ${e.ea_version}`);
        for (const w of this.waiters) w();
        this.waiters.clear();
        // A (re)started EA knows no subscriptions: renew them.
        for (const sub of this.barSubs.values()) this.sendSubscribe(sub.symbol, sub.timeframe);
      } else if (e.event === "positions") {
        const positions = e.positions.map(toRawPosition);
        for (const l of this.listeners) l(positions);
      } else if (e.event === "bar_closed") {
        for (const l of this.barListeners) l(e.symbol, e.timeframe, toBar(e.bar));
      } else if (e.event === "account") {
        this.lastAccount = { account: e.account, terminal_connected: e.terminal_connected };
      }
      // "deal" events need no action here: a deal always comes with a positions event.
      return;
    }
    const res = EaResponseSchema.safeParse(raw);
    if (!res.success) return this.opts.log.warn(`bad EA response: ${line.slice(0, 200)}`);
    const p = this.pending.get(res.data.id);
    if (!p) return; // late answer to a request we gave up on
    this.pending.delete(res.data.id);
    clearTimeout(p.timer);
    if (res.data.ok) {
      const payload = EaOkPayloads[p.op].safeParse(res.data);
      if (payload.success) p.resolve(payload.data);
      else p.reject(new BrokerError("internal", `EA answered ${p.op} with a bad payload`, TRADE_OPS.has(p.op)));
    } else {
      const e = res.data.error;
      p.reject(new BrokerError(e.code, e.message, false, e.retcode));
    }
  }

  private pingEa(): void {
    if (!this.ea || !this.hello) return;
    if (this.missedPings >= 2) {
      this.opts.log.warn("EA missed two pings; dropping its link");
      this.ea.destroy();
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

  private async waitForEa(): Promise<Socket> {
    const deadline = Date.now() + (this.opts.eaWaitMs ?? 10_000);
    while (!this.ea || !this.hello) {
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
    return this.ea;
  }

  private async request<Op extends EaOp>(op: Op, body: Omit<Extract<EaRequest, { op: Op }>, "id" | "op">): Promise<EaOkPayload<Op>> {
    const socket = await this.waitForEa();
    const id = `r${++this.seq}`;
    return new Promise<EaOkPayload<Op>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BrokerError("terminal_unavailable", `EA did not answer ${op} in time`, TRADE_OPS.has(op)));
      }, this.opts.requestTimeoutMs ?? 30_000);
      this.pending.set(id, { op, resolve: resolve as (v: unknown) => void, reject, timer });
      if (!writeLine(socket, { id, op, ...body })) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new BrokerError("terminal_unavailable", "EA link closed", false));
      }
    });
  }
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

export function toRawDeal(d: EaDeal): RawDeal {
  return {
    ticket: d.ticket,
    order: d.order,
    position_ticket: d.position,
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
