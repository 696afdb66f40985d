import { EventEmitter } from "node:events";
import { connect, type Socket } from "node:net";
import {
  EA_PROTOCOL_VERSION,
  EaRequestSchema,
  MAX_EA_LINE_BYTES,
  type EaAccount,
  type EaDeal,
  type EaOp,
  type EaPosition,
  type EaRequest,
} from "./brokers/ea-protocol";
import { readLines, writeLine } from "./brokers/line-socket";
import { TIMEFRAME_MS, type Timeframe } from "../../core/market/timeframes";
import { SimBars } from "./sim-bars";

/**
 * A stand-in for MetaTrader 5 + the EdgetraderBridge EA, for tests and demos on machines without
 * MT5. It speaks the EA's exact line protocol as a TCP client of the connector (requests are
 * validated with the same schemas), keeps positions, deals and an account like a hedging MT5
 * account, lets a "human" open positions by hand, and can be killed and restarted (its state, like
 * a trade server's, survives).
 */
export interface SimTerminalOptions {
  port: number;
  host?: string;
  reconnectMs?: number;
  balance?: number;
  prices?: Record<string, number>;
  /** Account events pushed this often while connected. */
  accountPushMs?: number;
  /** The terminal's clock for bars (tests move it to close bars); default Date.now. */
  now?: () => number;
  /** How often subscribed pairs are checked for a bar close; default 1000 ms. */
  barCheckMs?: number;
}

interface SimPosition extends EaPosition {}

const CONTRACT = 100_000;
const LEVERAGE = 100;
const SPREAD = 0.0002;

export class SimTerminal extends EventEmitter {
  private socket: Socket | null = null;
  private alive = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private accountTimer: NodeJS.Timeout | null = null;
  private nextTicket = 1_000_001;
  private balance: number;
  private prices: Record<string, number>;
  private holds = new Map<EaOp, Array<{ arrived: () => void; release: Promise<void> }>>();
  private barTimer: NodeJS.Timeout | null = null;
  private readonly startPrices: Record<string, number>;
  readonly series: SimBars;
  /** Subscribed pairs and the open time of the bar forming when last checked. */
  private barSubs = new Map<string, { symbol: string; timeframe: Timeframe; forming: number }>();
  readonly positions = new Map<string, SimPosition>();
  readonly deals: EaDeal[] = [];
  /** Requests handled, by op, and lines that failed validation. */
  readonly stats = { requests: {} as Record<string, number>, invalid: 0, connects: 0 };

  constructor(private readonly o: SimTerminalOptions) {
    super();
    this.balance = o.balance ?? 10_000;
    this.prices = { EURUSD: 1.085, GBPUSD: 1.27, USDCHF: 0.885, ...o.prices };
    this.startPrices = { ...this.prices };
    this.series = new SimBars((symbol) => this.startPrices[symbol] ?? 1);
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Pushes bar_closed for every subscribed pair whose bar closed since the last check (like the EA's timer). */
  checkBars(): void {
    const now = this.now();
    for (const sub of this.barSubs.values()) {
      const d = TIMEFRAME_MS[sub.timeframe];
      const forming = Math.floor(now / d) * d;
      if (forming <= sub.forming) continue;
      // Several closes at once (a jump of the clock): the newest few, oldest first, like the EA.
      const closedCount = Math.min(10, (forming - sub.forming) / d);
      sub.forming = forming;
      if (!this.socket || !this.connected) continue;
      for (const bar of this.series.closed(sub.symbol, sub.timeframe, closedCount, now)) writeLine(this.socket, { event: "bar_closed", symbol: sub.symbol, timeframe: sub.timeframe, bar });
    }
  }

  get connected(): boolean {
    return this.socket !== null && !this.socket.destroyed && this.socket.readyState === "open";
  }

  start(): void {
    this.alive = true;
    this.dial();
    this.accountTimer = setInterval(() => this.pushAccount(), this.o.accountPushMs ?? 1000);
    this.barTimer = setInterval(() => this.checkBars(), this.o.barCheckMs ?? 1000);
  }

  /** Terminal/EA gone: the link drops, nothing answers until restart(). Positions stay. */
  kill(): void {
    this.alive = false;
    // Like the EA: a restarted terminal has no subscriptions until the connector renews them.
    this.barSubs.clear();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.socket?.destroy();
    this.socket = null;
  }

  restart(): void {
    if (this.alive) return;
    this.alive = true;
    this.dial();
  }

  stop(): void {
    this.kill();
    if (this.accountTimer) clearInterval(this.accountTimer);
    if (this.barTimer) clearInterval(this.barTimer);
  }

  setPrice(symbol: string, mid: number): void {
    this.prices[symbol] = mid;
    this.pushPositions();
  }

  /**
   * The next request with this op is executed on arrival but its answer (and trade events) wait
   * until release() — the window in which a connector can die between sending and hearing back.
   */
  hold(op: EaOp): { arrived: Promise<void>; release: () => void } {
    let arrived!: () => void;
    let release!: () => void;
    const arrivedP = new Promise<void>((r) => (arrived = r));
    const releaseP = new Promise<void>((r) => (release = r));
    const list = this.holds.get(op) ?? [];
    list.push({ arrived, release: releaseP });
    this.holds.set(op, list);
    return { arrived: arrivedP, release };
  }

  /** A position opened by hand in the terminal: magic 0, no comment. */
  openManual(symbol: string, side: "BUY" | "SELL", volume: number): string {
    const { position } = this.execOpen(symbol, side, volume, 0, 0, 0, "");
    this.pushPositions();
    return position.ticket;
  }

  /** "in" deals per magic: a duplicate order shows up as a count above 1. */
  entriesByMagic(): Map<number, number> {
    const m = new Map<number, number>();
    for (const d of this.deals) if (d.entry === "in" && d.magic !== 0) m.set(d.magic, (m.get(d.magic) ?? 0) + 1);
    return m;
  }

  // ------------------------------------------------------------------ link

  private dial(): void {
    if (!this.alive) return;
    const s = connect({ port: this.o.port, host: this.o.host ?? "127.0.0.1" });
    s.setNoDelay(true);
    this.socket = s;
    s.on("connect", () => {
      this.stats.connects++;
      writeLine(s, {
        event: "hello",
        protocol: EA_PROTOCOL_VERSION,
        ea_version: "sim-1.0",
        terminal: { name: "SimTerminal", company: "edgetrader sim", server: "Sim-Demo", login: "5550001", connected: true, trade_allowed: true },
      });
      writeLine(s, { event: "positions", positions: this.positionList() });
      writeLine(s, { event: "account", account: this.account(), terminal_connected: true });
      this.emit("connected");
    });
    readLines(s, (line) => void this.onLine(s, line), MAX_EA_LINE_BYTES, () => s.destroy());
    s.on("error", () => undefined);
    s.on("close", () => {
      if (this.socket === s) this.socket = null;
      if (this.alive) this.reconnectTimer = setTimeout(() => this.dial(), this.o.reconnectMs ?? 200);
    });
  }

  private async onLine(s: Socket, line: string): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      this.stats.invalid++;
      return;
    }
    const parsed = EaRequestSchema.safeParse(raw);
    if (!parsed.success) {
      this.stats.invalid++;
      const id = typeof raw === "object" && raw !== null && typeof (raw as { id?: unknown }).id === "string" ? (raw as { id: string }).id : undefined;
      if (id) writeLine(s, { id, ok: false, error: { code: "invalid", message: parsed.error.issues[0]?.message ?? "invalid request" } });
      return;
    }
    const req = parsed.data;
    this.stats.requests[req.op] = (this.stats.requests[req.op] ?? 0) + 1;
    const { response, changed, deal } = this.handle(req);
    const hold = this.holds.get(req.op)?.shift();
    if (hold) {
      hold.arrived();
      await hold.release;
    }
    // Like the EA: the answer first (OrderSend returned), then OnTradeTransaction's pushes.
    writeLine(s, { id: req.id, ...response });
    if (deal) writeLine(s, { event: "deal", deal });
    if (changed) this.pushPositions();
  }

  private handle(req: EaRequest): { response: Record<string, unknown>; changed?: boolean; deal?: EaDeal } {
    const fail = (code: string, message: string, retcode?: string) => ({ response: { ok: false, error: { code, message, ...(retcode ? { retcode } : {}) } } });
    switch (req.op) {
      case "ping":
        return { response: { ok: true, time_msc: Date.now() } };
      case "account":
        return { response: { ok: true, account: this.account(), terminal_connected: true } };
      case "positions":
        return { response: { ok: true, positions: this.positionList() } };
      case "history":
        return {
          response: {
            ok: true,
            deals: this.deals.filter((d) => d.time_msc >= req.from_ms && (req.magic === 0 || d.magic === req.magic) && (req.position === "" || req.position === "0" || d.position === req.position)),
          },
        };
      case "rates":
        if (!(req.symbol in this.prices)) return fail("not_found", `unknown symbol ${req.symbol}`, "4301");
        return { response: { ok: true, bars: this.series.closed(req.symbol, req.timeframe, req.count, this.now()) } };
      case "subscribe_bars": {
        if (!(req.symbol in this.prices)) return fail("not_found", `unknown symbol ${req.symbol}`, "4301");
        const key = `${req.symbol}|${req.timeframe}`;
        const d = TIMEFRAME_MS[req.timeframe];
        if (!this.barSubs.has(key)) this.barSubs.set(key, { symbol: req.symbol, timeframe: req.timeframe, forming: Math.floor(this.now() / d) * d });
        return { response: { ok: true } };
      }
      case "open": {
        if (!(req.symbol in this.prices)) return fail("invalid", `unknown symbol ${req.symbol}`, "4301");
        if (req.volume < 0.01 || Math.abs(Math.round(req.volume * 100) - req.volume * 100) > 1e-9) return fail("invalid", "invalid volume", "10014");
        const q = this.quote(req.symbol);
        const bad = stopsProblem(req.side, req.sl, req.tp, req.side === "BUY" ? q.bid : q.ask);
        if (bad) return fail("rejected", bad, "10016");
        const { position, deal } = this.execOpen(req.symbol, req.side, req.volume, req.sl, req.tp, req.magic, req.comment);
        return { response: { ok: true, ticket: position.ticket, order: position.ticket, deal: deal.ticket, price: position.open_price, volume: position.volume, time_msc: position.time_msc }, changed: true, deal };
      }
      case "close": {
        const p = this.positions.get(req.ticket);
        if (!p) return fail("not_found", `position ${req.ticket} not found`, "4753");
        const volume = req.volume === 0 || req.volume >= p.volume ? p.volume : req.volume;
        const q = this.quote(p.symbol);
        const price = p.side === "BUY" ? q.bid : q.ask;
        const profit = round2((p.side === "BUY" ? price - p.open_price : p.open_price - price) * volume * CONTRACT);
        this.balance = round2(this.balance + profit);
        if (volume >= p.volume) this.positions.delete(p.ticket);
        else p.volume = round2(p.volume - volume);
        const deal: EaDeal = {
          ticket: String(this.nextTicket++),
          order: String(this.nextTicket++),
          position: p.ticket,
          symbol: p.symbol,
          side: p.side === "BUY" ? "SELL" : "BUY",
          entry: "out",
          volume,
          price,
          profit,
          time_msc: Date.now(),
          magic: req.magic,
          comment: "",
        };
        this.deals.push(deal);
        return { response: { ok: true, deal: deal.ticket, price, volume, time_msc: deal.time_msc }, changed: true, deal };
      }
      case "modify": {
        const p = this.positions.get(req.ticket);
        if (!p) return fail("not_found", `position ${req.ticket} not found`, "4753");
        const sl = req.sl ?? p.sl;
        const tp = req.tp ?? p.tp;
        const q = this.quote(p.symbol);
        const bad = stopsProblem(p.side, sl, tp, p.side === "BUY" ? q.bid : q.ask);
        if (bad) return fail("rejected", bad, "10016");
        const changed = sl !== p.sl || tp !== p.tp;
        p.sl = sl;
        p.tp = tp;
        return { response: { ok: true, sl, tp }, changed };
      }
    }
  }

  private execOpen(symbol: string, side: "BUY" | "SELL", volume: number, sl: number, tp: number, magic: number, comment: string) {
    const q = this.quote(symbol);
    const price = side === "BUY" ? q.ask : q.bid;
    const ticket = String(this.nextTicket++);
    const time = Date.now();
    const position: SimPosition = { ticket, symbol, side, volume, open_price: price, current_price: price, sl, tp, profit: 0, swap: 0, time_msc: time, magic, comment };
    this.positions.set(ticket, position);
    const deal: EaDeal = { ticket: String(this.nextTicket++), order: ticket, position: ticket, symbol, side, entry: "in", volume, price, profit: 0, time_msc: time, magic, comment };
    this.deals.push(deal);
    return { position, deal };
  }

  private quote(symbol: string): { bid: number; ask: number } {
    const mid = this.prices[symbol] ?? 1;
    return { bid: round5(mid - SPREAD / 2), ask: round5(mid + SPREAD / 2) };
  }

  private positionList(): EaPosition[] {
    return [...this.positions.values()].map((p) => {
      const q = this.quote(p.symbol);
      const current = p.side === "BUY" ? q.bid : q.ask;
      return { ...p, current_price: current, profit: round2((p.side === "BUY" ? current - p.open_price : p.open_price - current) * p.volume * CONTRACT) };
    });
  }

  account(): EaAccount {
    const floating = this.positionList().reduce((s, p) => s + p.profit, 0);
    const margin = round2([...this.positions.values()].reduce((s, p) => s + (p.volume * CONTRACT * p.open_price) / LEVERAGE, 0));
    const equity = round2(this.balance + floating);
    return { login: "5550001", server: "Sim-Demo", company: "edgetrader sim", currency: "USD", balance: this.balance, equity, margin, free_margin: round2(equity - margin), leverage: LEVERAGE };
  }

  private pushPositions(): void {
    if (this.socket && this.connected) writeLine(this.socket, { event: "positions", positions: this.positionList() });
  }

  private pushAccount(): void {
    if (this.socket && this.connected) writeLine(this.socket, { event: "account", account: this.account(), terminal_connected: true });
  }
}

/** MT5's rule: a BUY's SL below and TP above the price it would close at (bid); mirrored for SELL. */
function stopsProblem(side: "BUY" | "SELL", sl: number, tp: number, closePrice: number): string | null {
  if (side === "BUY" && ((sl > 0 && sl >= closePrice) || (tp > 0 && tp <= closePrice))) return "invalid stops";
  if (side === "SELL" && ((sl > 0 && sl <= closePrice) || (tp > 0 && tp >= closePrice))) return "invalid stops";
  return null;
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const round5 = (v: number) => Math.round(v * 1e5) / 1e5;
