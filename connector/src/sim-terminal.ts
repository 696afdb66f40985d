import { EventEmitter } from "node:events";
import { connect, type Socket } from "node:net";
import { TIMEFRAME_MS, type Timeframe } from "../../core/market/timeframes";
import {
  EA_PROTOCOL_VERSION,
  type EaAccount,
  type EaDeal,
  type EaFilling,
  type EaOp,
  type EaOrder,
  type EaPosition,
  type EaRequest,
  EaRequestSchema,
  type EaSymbolInfo,
  type EaTradeFacts,
  MAX_EA_LINE_BYTES,
} from "./brokers/ea-protocol";
import { readLines, writeLine } from "./brokers/line-socket";
import { SimBars } from "./sim-bars";
import { SIM_SYMBOLS, type SimSymbol } from "./sim-symbols";

/**
 * A stand-in for MetaTrader 5 + the EdgetraderBridge EA, for tests and demos on machines without
 * MT5. It speaks the EA's exact line protocol (connector/mql5/README.md) as a TCP client of the
 * connector and behaves like a terminal where it matters for money; each behaviour names the MQL5
 * reference it follows:
 *  - sync: after a (re)start, login or reconnect to the trade server the terminal lists nothing
 *    until it has synced (PositionsTotal() is 0, HistorySelect finds nothing); the EA reports
 *    synced:false and refuses to trade until then (TERMINAL_CONNECTED,
 *    https://www.mql5.com/en/docs/constants/environment_state/terminalstatus);
 *  - lists lag: after OrderSend returns, the new position, deal and order show up in
 *    PositionsTotal/HistoryDealsTotal/OrdersTotal only a little later (the terminal learns of them
 *    by OnTradeTransaction events, https://www.mql5.com/en/docs/event_handlers/ontradetransaction);
 *  - PLACED: a market order may be answered 10008 with an order and no deal, the order stays in
 *    OrdersTotal and fills later (https://www.mql5.com/en/docs/trading/ordersendasync);
 *  - retcodes (https://www.mql5.com/en/docs/constants/errorswarnings/enum_trade_return_codes) from
 *    the symbol's rules: 10014 volume off the step, 10016 stops off the tick grid or inside
 *    SYMBOL_TRADE_STOPS_LEVEL, 10029 inside SYMBOL_TRADE_FREEZE_LEVEL, 10030 a filling mode the
 *    symbol does not allow (SYMBOL_FILLING_MODE), 10036 position already closed, 10025 no changes;
 *    and injected ones (10004/10006/10011/10012/10015/10018/10020/10021/10027/10031/0), executed or not;
 *  - DONE_PARTIAL: an IOC order fills only the volume the market has; the rest is cancelled and
 *    the answer is 10010 with the filled volume (ORDER_FILLING_IOC,
 *    https://www.mql5.com/en/docs/constants/tradingconstants/orderproperties#enum_order_type_filling);
 *  - the trade server closes a position on its own (SL/TP hit, stop out): a close racing it gets
 *    10036 POSITION_CLOSED while the lagging list still shows the position;
 *  - hedging (one position per order) or netting (one position per symbol: orders add, reduce or
 *    reverse it with an "inout" deal; https://www.mql5.com/en/docs/constants/environment_state/accountinformation#enum_account_margin_mode).
 *    A reversal keeps POSITION_IDENTIFIER and replaces POSITION_TICKET with the ticket of the order
 *    that reversed it; its DEAL_ENTRY_INOUT deal names the unchanged identifier
 *    (https://www.mql5.com/en/docs/constants/tradingconstants/positionproperties,
 *    https://www.mql5.com/en/docs/constants/tradingconstants/dealproperties#enum_deal_entry);
 *  - POSITION_TICKET may differ from POSITION_IDENTIFIER (a position re-opened by the server, e.g.
 *    for swaps; https://www.mql5.com/en/docs/constants/tradingconstants/positionproperties);
 *  - Algo Trading off (TERMINAL_TRADE_ALLOWED false: the EA refuses; an OrderSend racing it gets 10027).
 * And the EA's own duties: the authenticated hello (secret, login, server, margin mode), refusing
 * until connected/synced/allowed, the deadline, the idempotency check by magic and comment over
 * positions, orders and deals before every OrderSend, bounded requote retries. Its state, like a
 * trade server's, survives kill()/restart().
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
  /** The EA's InpSecret; default SIM_EA_SECRET. */
  secret?: string;
  login?: string;
  server?: string;
  marginMode?: "hedging" | "netting";
  /** The EA refuses to trade on a netting account (default true; false shows what netting does). */
  eaRefusesNetting?: boolean;
  /** After start/restart/reconnect, the terminal lists nothing and refuses trading this long. */
  syncDelayMs?: number;
  /** A trade shows up in the lists this long after OrderSend returned (a number or a draw per trade). */
  listLagMs?: number | (() => number);
  /** A PLACED market order fills after this. */
  placedFillMs?: number;
  /** POSITION_TICKET != POSITION_IDENTIFIER for new positions (as after a server re-open). */
  ticketsDifferFromIds?: boolean;
  /** OrderSend calls the EA makes for one request when answered with a requote (10004/10020/10021). */
  eaRequoteAttempts?: number;
  /** Faults drawn for every OrderSend (chaos); injected faults are used first. */
  faults?: (op: "open" | "close" | "modify") => SimFault | null;
}

/**
 * What the simulated trade server does with the next OrderSend:
 *  retcode + executed: answer this code, having executed it (10012 TIMEOUT / 10031 CONNECTION / 0 mid-request) or not;
 *  placed: answer 10008 PLACED and fill later;
 *  cut: execute, then the EA's socket drops before the answer;
 *  partial: an open fills only this fraction of its volume (on the volume step) and answers 10010 DONE_PARTIAL.
 */
export type SimFault = { retcode: number; executed: boolean } | { placed: true } | { cut: true } | { partial: number };

/** The default shared secret of the simulated EA (a test/demo value, never a real one). */
export const SIM_EA_SECRET = "sim-ea-secret-0123456789";
export const SIM_LOGIN = "5550001";
export const SIM_SERVER = "Sim-Demo";

interface Visible {
  /** Listed from this time on (the list lag). */
  visibleAt: number;
  /** No longer listed from this time on (closed/filled, seen after the lag). */
  goneAt?: number;
}
interface SimPosition extends EaPosition, Visible {}
interface SimOrder extends EaOrder, Visible {}
interface SimDeal extends EaDeal, Visible {}

const LEVERAGE = 100;
const RETURN_FILLS: ReadonlySet<string> = new Set(["market", "exchange"]);

export class SimTerminal extends EventEmitter {
  private socket: Socket | null = null;
  private alive = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private accountTimer: NodeJS.Timeout | null = null;
  private syncTimer: NodeJS.Timeout | null = null;
  private nextTicket = 1_000_001;
  private balance: number;
  private prices: Record<string, number>;
  private holds = new Map<EaOp, Array<{ arrived: () => void; release: Promise<void> }>>();
  private injected: SimFault[] = [];
  private barTimer: NodeJS.Timeout | null = null;
  private readonly startPrices: Record<string, number>;
  /** Requests are handled one at a time, like the EA's single thread. */
  private queue: Promise<void> = Promise.resolve();
  private busyUntil = 0;
  readonly series: SimBars;
  /** Subscribed pairs and the open time of the bar forming when last checked. */
  private barSubs = new Map<string, { symbol: string; timeframe: Timeframe; forming: number }>();
  /** Open positions at the trade server, by ticket (what the account holds; lists may lag). */
  readonly positions = new Map<string, SimPosition>();
  /** Positions closed at the server but still listed by the lagging terminal. */
  private closing: SimPosition[] = [];
  readonly orders = new Map<string, SimOrder>();
  readonly deals: SimDeal[] = [];
  /** Texts the EA was asked to show the person at the terminal (`notice`), in order. */
  readonly notices: string[] = [];
  /** Terminal state: connected to the trade server, synced since, trading allowed. */
  private serverConnected = true;
  private synced = false;
  private algoTrading = true;
  /** Requests handled, by op, and lines that failed validation. */
  readonly stats = {
    requests: {} as Record<string, number>,
    invalid: 0,
    connects: 0,
    refused: 0,
    orderSends: 0,
    faults: 0,
  };

  constructor(private readonly o: SimTerminalOptions) {
    super();
    this.balance = o.balance ?? 10_000;
    this.prices = { ...Object.fromEntries(Object.entries(SIM_SYMBOLS).map(([k, v]) => [k, v.price])), ...o.prices };
    this.startPrices = { ...this.prices };
    this.series = new SimBars((symbol) => this.startPrices[symbol] ?? 1);
  }

  get login(): string {
    return this.o.login ?? SIM_LOGIN;
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
      for (const bar of this.series.closed(sub.symbol, sub.timeframe, closedCount, now))
        writeLine(this.socket, { event: "bar_closed", symbol: sub.symbol, timeframe: sub.timeframe, bar });
    }
  }

  /** The EA's socket is up (not: the terminal is synced). */
  get connected(): boolean {
    return this.socket !== null && !this.socket.destroyed && this.socket.readyState === "open";
  }

  get isSynced(): boolean {
    return this.synced;
  }

  start(): void {
    this.alive = true;
    this.beginSync();
    this.dial();
    this.accountTimer = setInterval(() => this.pushAccount(), this.o.accountPushMs ?? 1000);
    this.barTimer = setInterval(() => this.checkBars(), this.o.barCheckMs ?? 1000);
  }

  /** Terminal/EA gone: the link drops, nothing answers until restart(). Positions stay (server side). */
  kill(): void {
    this.alive = false;
    // Like the EA: a restarted terminal has no subscriptions until the connector renews them.
    this.barSubs.clear();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.socket?.destroy();
    this.socket = null;
  }

  /** A terminal restart: it connects at once and syncs after syncDelayMs. */
  restart(): void {
    if (this.alive) return;
    this.alive = true;
    this.beginSync();
    this.dial();
  }

  stop(): void {
    this.kill();
    if (this.accountTimer) clearInterval(this.accountTimer);
    if (this.barTimer) clearInterval(this.barTimer);
  }

  /** The EA's socket drops (network hiccup); it dials again after reconnectMs. The terminal stays synced. */
  cut(): void {
    this.socket?.destroy();
  }

  /** The terminal loses (false) or regains (true) its trade server: unsynced until syncDelayMs after it is back. */
  setServerConnected(on: boolean): void {
    this.serverConnected = on;
    if (on) this.beginSync();
    else {
      if (this.syncTimer) clearTimeout(this.syncTimer);
      this.synced = false;
    }
    this.pushTerminal();
  }

  /** The Algo Trading button (TERMINAL_TRADE_ALLOWED). */
  setAlgoTrading(on: boolean): void {
    this.algoTrading = on;
    this.pushTerminal();
  }

  /** The EA is busy (a long OrderSend, a slow terminal): requests wait this long before it reads them. */
  stall(ms: number): void {
    this.busyUntil = Date.now() + ms;
  }

  /** A raw line on the EA's link (a hand-made event, e.g. a positions list with an item the connector cannot read). */
  sendRaw(value: unknown): void {
    if (this.socket && this.connected) writeLine(this.socket, value);
  }

  /** The next OrderSend(s) meet these faults, in order. */
  inject(...faults: SimFault[]): void {
    this.injected.push(...faults);
  }

  setPrice(symbol: string, mid: number): void {
    this.prices[symbol] = mid;
    this.pushPositions();
  }

  /** A server re-open (swaps): the position keeps its identifier and gets a new ticket. */
  reopen(ticket: string): string {
    const p = this.positions.get(ticket);
    if (!p) throw new Error(`no position ${ticket}`);
    this.positions.delete(ticket);
    const next = { ...p, ticket: String(this.nextTicket++) };
    this.positions.set(next.ticket, next);
    this.pushPositions();
    return next.ticket;
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

  /**
   * The trade server closes a position on its own (its SL or TP hit, a stop out): an "out" deal
   * at the current price; the terminal's lists show it gone only after the list lag.
   */
  closeAtServer(ticket: string): void {
    const p = this.positions.get(ticket);
    if (!p) throw new Error(`no position ${ticket}`);
    this.execClose(p, p.volume, p.magic, "[sl]", this.lag());
    this.schedulePush();
  }

  /** A position opened by hand in the terminal: magic 0, no comment. */
  openManual(symbol: string, side: "BUY" | "SELL", volume: number): string {
    const { position } = this.execOpen(symbol, side, volume, 0, 0, 0, "", 0);
    this.pushPositions();
    return position.ticket;
  }

  /** "in"/"inout" deals per magic: a duplicate order shows up as a count above 1. */
  entriesByMagic(): Map<number, number> {
    const m = new Map<number, number>();
    for (const d of this.deals)
      if ((d.entry === "in" || d.entry === "inout") && d.magic !== 0) m.set(d.magic, (m.get(d.magic) ?? 0) + 1);
    return m;
  }

  account(): EaAccount {
    const floating = this.openList().reduce((s, p) => s + p.profit, 0);
    const margin = round2(
      [...this.positions.values()].reduce(
        (s, p) => s + (p.volume * this.spec(p.symbol).contract * p.open_price) / LEVERAGE,
        0,
      ),
    );
    const equity = round2(this.balance + floating);
    return {
      login: this.login,
      server: this.o.server ?? SIM_SERVER,
      company: "edgetrader sim",
      currency: "USD",
      balance: this.balance,
      equity,
      margin,
      free_margin: round2(equity - margin),
      leverage: LEVERAGE,
    };
  }

  // ------------------------------------------------------------------ link

  private beginSync(): void {
    this.synced = false;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    const done = () => {
      if (!this.serverConnected) return;
      this.synced = true;
      this.pushTerminal();
      this.pushPositions();
    };
    const delay = this.o.syncDelayMs ?? 0;
    if (delay <= 0) this.synced = this.serverConnected;
    else this.syncTimer = setTimeout(done, delay);
  }

  private state() {
    return { connected: this.serverConnected, synced: this.synced, trade_allowed: this.algoTrading };
  }

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
        ea_version: "sim-2.0",
        secret: this.o.secret ?? SIM_EA_SECRET,
        terminal: {
          name: "SimTerminal",
          company: "edgetrader sim",
          server: this.o.server ?? SIM_SERVER,
          login: this.login,
          margin_mode: this.o.marginMode ?? "hedging",
          ...this.state(),
        },
      });
      // What an EA sees right after a start: an empty list until the terminal has synced (flagged).
      writeLine(s, { event: "positions", synced: this.synced, positions: this.visiblePositions() });
      writeLine(s, {
        event: "account",
        account: this.account(),
        terminal_connected: this.serverConnected,
        synced: this.synced,
        trade_allowed: this.algoTrading,
      });
      this.emit("connected");
    });
    readLines(
      s,
      (line) => this.enqueue(s, line),
      MAX_EA_LINE_BYTES,
      () => s.destroy(),
    );
    s.on("error", () => undefined);
    s.on("close", () => {
      // Only the current link redials (a killed one was already let go; restart() dials anew).
      if (this.socket !== s) return;
      this.socket = null;
      if (this.alive) this.reconnectTimer = setTimeout(() => this.dial(), this.o.reconnectMs ?? 200);
    });
  }

  private enqueue(s: Socket, line: string): void {
    if (line.includes('"event":"refused"')) this.stats.refused++;
    this.queue = this.queue.then(async () => {
      const wait = this.busyUntil - Date.now();
      if (wait > 0) await sleep(wait);
      await this.onLine(s, line);
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
    if (typeof raw === "object" && raw !== null && "event" in raw) return; // "refused"
    const parsed = EaRequestSchema.safeParse(raw);
    if (!parsed.success) {
      this.stats.invalid++;
      const id =
        typeof raw === "object" && raw !== null && typeof (raw as { id?: unknown }).id === "string"
          ? (raw as { id: string }).id
          : undefined;
      if (id)
        writeLine(s, {
          id,
          ok: false,
          error: { code: "invalid", message: parsed.error.issues[0]?.message ?? "invalid request" },
        });
      return;
    }
    const req = parsed.data;
    this.stats.requests[req.op] = (this.stats.requests[req.op] ?? 0) + 1;
    const { response, changed, cut } = this.handle(req);
    const hold = this.holds.get(req.op)?.shift();
    if (hold) {
      hold.arrived();
      await hold.release;
    }
    if (cut) {
      s.destroy();
      return;
    }
    // Like the EA: the answer first (OrderSend returned), then OnTradeTransaction's pushes.
    writeLine(s, { id: req.id, ...response });
    if (changed) this.schedulePush();
  }

  private handle(req: EaRequest): { response: Record<string, unknown>; changed?: boolean; cut?: boolean } {
    const fail = (code: string, message: string, retcode?: string) => ({
      response: { ok: false, error: { code, message, ...(retcode ? { retcode } : {}) } },
    });
    const ok = (body: Record<string, unknown>) => ({ response: { ok: true, ...body } });
    switch (req.op) {
      case "ping":
        return ok({ time_msc: Date.now() });
      case "account":
        return ok({
          account: this.account(),
          terminal_connected: this.serverConnected,
          synced: this.synced,
          trade_allowed: this.algoTrading,
        });
      case "positions":
        return ok({ synced: this.synced, positions: this.visiblePositions() });
      case "orders":
        return ok({ synced: this.synced, orders: this.visible([...this.orders.values()]).map(strip) });
      case "history":
        return ok({
          synced: this.synced,
          deals: this.visible(this.deals)
            .filter(
              (d) =>
                d.time_msc >= req.from_ms &&
                (req.magic === 0 || d.magic === req.magic) &&
                (req.position === "" || req.position === "0" || d.position === req.position),
            )
            .map(strip),
        });
      case "symbol": {
        const spec = SIM_SYMBOLS[req.symbol];
        if (!spec) return fail("not_found", `unknown symbol ${req.symbol}`, "4301");
        const { price: _p, spread: _s, contract: _c, ...info } = spec;
        return ok({ info: { name: req.symbol, ...info } satisfies EaSymbolInfo });
      }
      case "rates":
        if (!(req.symbol in this.prices)) return fail("not_found", `unknown symbol ${req.symbol}`, "4301");
        return ok({ bars: this.series.closed(req.symbol, req.timeframe, req.count, this.now()) });
      case "notice":
        // What the EA would show on the chart (Comment) and raise as an Alert.
        this.notices.push(req.text);
        return ok({});
      case "subscribe_bars": {
        if (!(req.symbol in this.prices)) return fail("not_found", `unknown symbol ${req.symbol}`, "4301");
        const key = `${req.symbol}|${req.timeframe}`;
        const d = TIMEFRAME_MS[req.timeframe];
        if (!this.barSubs.has(key))
          this.barSubs.set(key, {
            symbol: req.symbol,
            timeframe: req.timeframe,
            forming: Math.floor(this.now() / d) * d,
          });
        return ok({});
      }
      case "open":
      case "close":
      case "modify": {
        // The EA's checks before any OrderSend.
        if (Date.now() > req.deadline_ms)
          return fail("expired", `past its deadline by ${Date.now() - req.deadline_ms} ms; not sent`);
        if (!this.serverConnected || !this.synced)
          return fail("terminal_unavailable", "terminal not connected to its trade server or not synced");
        if (!this.algoTrading) return fail("terminal_unavailable", "Algo Trading is off");
        if ((this.o.marginMode ?? "hedging") !== "hedging" && (this.o.eaRefusesNetting ?? true))
          return fail("rejected", "netting account: not supported by the EA");
        return this.trade(req);
      }
    }
  }

  /** OrderSend with the EA's idempotency check first and its bounded requote retries. */
  private trade(req: Extract<EaRequest, { op: "open" | "close" | "modify" }>): {
    response: Record<string, unknown>;
    changed?: boolean;
    cut?: boolean;
  } {
    const existing = this.alreadyDone(req);
    if (existing) return { response: { ok: true, ...existing, existing: true } };
    const attempts = this.o.eaRequoteAttempts ?? 1;
    for (let attempt = 1; ; attempt++) {
      const fault = this.injected.shift() ?? this.o.faults?.(req.op) ?? null;
      if (fault) this.stats.faults++;
      this.stats.orderSends++;
      if (fault && "cut" in fault) {
        this.execute(req);
        return { response: {}, changed: true, cut: true };
      }
      if (fault && "placed" in fault && req.op === "open") return this.placeOpen(req);
      if (fault && "partial" in fault && req.op === "open") {
        const step = this.spec(req.symbol).volume_step;
        const part = round8(Math.max(step, Math.floor((req.volume * fault.partial) / step + 1e-9) * step));
        const r = this.execute({ ...req, volume: part });
        return {
          response: { ok: true, ...r, retcode: r.retcode === 10009 ? 10010 : r.retcode, attempts: attempt },
          changed: r.retcode === 10009,
        };
      }
      if (fault && "retcode" in fault) {
        if (fault.executed) {
          this.execute(req);
          return { response: { ok: true, ...noFacts(fault.retcode), attempts: attempt }, changed: true };
        }
        if ([10004, 10020, 10021].includes(fault.retcode) && attempt < attempts) continue;
        return { response: { ok: true, ...noFacts(fault.retcode), attempts: attempt } };
      }
      const r = this.execute(req);
      return { response: { ok: true, ...r, attempts: attempt }, changed: r.retcode === 10009 };
    }
  }

  /** The EA's check before OrderSend: an order, position or deal with this magic and comment is already there (as far as the lists show). */
  private alreadyDone(req: Extract<EaRequest, { op: "open" | "close" | "modify" }>): EaTradeFacts | null {
    if (req.op === "modify") return null;
    if (req.op === "open") {
      const pos = this.visible([...this.positions.values()]).find(
        (p) => p.magic === req.magic && p.comment === req.comment,
      );
      if (pos)
        return facts(10009, {
          position: pos.identifier,
          position_ticket: pos.ticket,
          price: pos.open_price,
          volume: pos.volume,
          sl: pos.sl,
          tp: pos.tp,
          time_msc: pos.time_msc,
        });
      const ord = this.visible([...this.orders.values()]).find(
        (o) => o.magic === req.magic && o.comment === req.comment,
      );
      if (ord) return facts(10008, { order: ord.ticket });
    }
    const deal = this.visible(this.deals).find(
      (d) =>
        d.magic === req.magic &&
        d.comment === req.comment &&
        (req.op === "open" ? d.entry === "in" || d.entry === "inout" : d.entry === "out"),
    );
    if (!deal) return null;
    const pos = [...this.positions.values()].find((p) => p.identifier === deal.position);
    return facts(10009, {
      order: deal.order,
      deal: deal.ticket,
      position: deal.position,
      position_ticket: pos?.ticket ?? deal.position,
      price: deal.price,
      volume: deal.volume,
      time_msc: deal.time_msc,
    });
  }

  /** What the trade server does with a request, by the symbol's rules. */
  private execute(req: Extract<EaRequest, { op: "open" | "close" | "modify" }>): EaTradeFacts {
    if (req.op === "open") {
      const spec = SIM_SYMBOLS[req.symbol];
      if (!spec) return noFacts(10013);
      const bad = this.orderProblem(spec, req.symbol, req.side, req.volume, req.filling, req.sl, req.tp);
      if (bad) return noFacts(bad);
      const { position, deal } = this.execOpen(
        req.symbol,
        req.side,
        req.volume,
        req.sl,
        req.tp,
        req.magic,
        req.comment,
        this.lag(),
      );
      return facts(10009, {
        order: deal.order,
        deal: deal.ticket,
        position: deal.position,
        position_ticket: position.ticket,
        price: deal.price,
        volume: deal.volume,
        sl: position.sl,
        tp: position.tp,
        time_msc: deal.time_msc,
      });
    }
    const p = this.positions.get(req.ticket);
    if (!p) return this.closing.some((c) => c.ticket === req.ticket) ? noFacts(10036) : noFacts(10013);
    const spec = this.spec(p.symbol);
    const q = this.quote(p.symbol);
    const closePrice = p.side === "BUY" ? q.bid : q.ask;
    if (req.op === "close") {
      if (!allowedFilling(spec, req.filling)) return noFacts(10030);
      if (frozen(spec, p.sl, p.tp, closePrice)) return noFacts(10029);
      const volume = req.volume === 0 || req.volume >= p.volume ? p.volume : req.volume;
      if (!onStep(volume, spec.volume_step)) return noFacts(10014);
      const deal = this.execClose(p, volume, req.magic, req.comment, this.lag());
      return facts(10009, {
        order: deal.order,
        deal: deal.ticket,
        position: p.identifier,
        position_ticket: p.ticket,
        price: deal.price,
        volume,
        sl: p.sl,
        tp: p.tp,
        time_msc: deal.time_msc,
      });
    }
    const sl = req.sl ?? p.sl;
    const tp = req.tp ?? p.tp;
    if (!onTick(sl, spec) || !onTick(tp, spec) || stopsTooClose(spec, p.side, sl, tp, closePrice))
      return noFacts(10016);
    if (frozen(spec, p.sl, p.tp, closePrice)) return noFacts(10029);
    if (sl === p.sl && tp === p.tp) return facts(10025, { position: p.identifier, position_ticket: p.ticket, sl, tp });
    p.sl = sl;
    p.tp = tp;
    return facts(10009, { position: p.identifier, position_ticket: p.ticket, sl, tp, time_msc: Date.now() });
  }

  /** 10008 PLACED: an active order now, a deal and position after placedFillMs. */
  private placeOpen(req: Extract<EaRequest, { op: "open" }>): { response: Record<string, unknown>; changed?: boolean } {
    const spec = SIM_SYMBOLS[req.symbol];
    if (!spec) return { response: { ok: true, ...noFacts(10013) } };
    const bad = this.orderProblem(spec, req.symbol, req.side, req.volume, req.filling, req.sl, req.tp);
    if (bad) return { response: { ok: true, ...noFacts(bad) } };
    const now = Date.now();
    const order: SimOrder = {
      ticket: String(this.nextTicket++),
      symbol: req.symbol,
      side: req.side,
      state: "placed",
      volume_initial: req.volume,
      volume_current: req.volume,
      position: "0",
      time_msc: now,
      magic: req.magic,
      comment: req.comment,
      visibleAt: now + this.lag(),
    };
    this.orders.set(order.ticket, order);
    setTimeout(() => {
      this.orders.delete(order.ticket);
      this.execOpen(req.symbol, req.side, req.volume, req.sl, req.tp, req.magic, req.comment, this.lag(), order.ticket);
      this.schedulePush();
    }, this.o.placedFillMs ?? 100);
    return { response: { ok: true, ...facts(10008, { order: order.ticket }) }, changed: true };
  }

  private orderProblem(
    spec: SimSymbol,
    symbol: string,
    side: "BUY" | "SELL",
    volume: number,
    filling: EaFilling,
    sl: number,
    tp: number,
  ): number | null {
    if (!allowedFilling(spec, filling)) return 10030;
    if (volume < spec.volume_min || volume > spec.volume_max || !onStep(volume, spec.volume_step)) return 10014;
    const q = this.quote(symbol);
    if (!onTick(sl, spec) || !onTick(tp, spec) || stopsTooClose(spec, side, sl, tp, side === "BUY" ? q.bid : q.ask))
      return 10016;
    return null;
  }

  private lag(): number {
    const l = this.o.listLagMs;
    return typeof l === "function" ? l() : (l ?? 0);
  }

  private execOpen(
    symbol: string,
    side: "BUY" | "SELL",
    volume: number,
    sl: number,
    tp: number,
    magic: number,
    comment: string,
    lag: number,
    orderTicket?: string,
  ) {
    const q = this.quote(symbol);
    const price = side === "BUY" ? q.ask : q.bid;
    const order = orderTicket ?? String(this.nextTicket++);
    const time = Date.now();
    const visibleAt = time + lag;
    const netted =
      (this.o.marginMode ?? "hedging") === "netting"
        ? [...this.positions.values()].find((p) => p.symbol === symbol)
        : undefined;
    if (netted) return this.net(netted, side, volume, price, magic, comment, order, time, visibleAt);
    const identifier = order;
    const ticket = this.o.ticketsDifferFromIds ? String(this.nextTicket++ + 500_000_000) : identifier;
    const position: SimPosition = {
      ticket,
      identifier,
      symbol,
      side,
      volume,
      open_price: price,
      current_price: price,
      sl,
      tp,
      profit: 0,
      swap: 0,
      time_msc: time,
      magic,
      comment,
      visibleAt,
    };
    this.positions.set(ticket, position);
    const deal = this.entryDeal({
      order,
      position: identifier,
      symbol,
      side,
      volume,
      price,
      time_msc: time,
      magic,
      comment,
      visibleAt,
    });
    this.deals.push(deal);
    return { position, deal };
  }

  /** An "in" deal (opening, or adding to a netted position; net() may turn it into out/inout) with the next ticket. */
  private entryDeal(f: Omit<SimDeal, "ticket" | "entry" | "profit">): SimDeal {
    return { ticket: String(this.nextTicket++), entry: "in", profit: 0, ...f };
  }

  /** Netting: one position per symbol; an order adds to it, reduces it, or reverses it ("inout", the ticket becomes the order's). */
  private net(
    p: SimPosition,
    side: "BUY" | "SELL",
    volume: number,
    price: number,
    magic: number,
    comment: string,
    order: string,
    time: number,
    visibleAt: number,
  ) {
    const deal = this.entryDeal({
      order,
      position: p.identifier,
      symbol: p.symbol,
      side,
      volume,
      price,
      time_msc: time,
      magic,
      comment,
      visibleAt,
    });
    if (p.side === side) {
      p.open_price = (p.open_price * p.volume + price * volume) / (p.volume + volume);
      p.volume = round8(p.volume + volume);
    } else if (volume < p.volume - 1e-9) {
      deal.entry = "out";
      deal.profit = this.realize(p, volume, price);
      p.volume = round8(p.volume - volume);
    } else {
      deal.entry = volume > p.volume + 1e-9 ? "inout" : "out";
      deal.profit = this.realize(p, p.volume, price);
      this.positions.delete(p.ticket);
      if (deal.entry === "inout") {
        const reversed: SimPosition = {
          ...p,
          ticket: order,
          side,
          volume: round8(volume - p.volume),
          open_price: price,
          time_msc: time,
          visibleAt,
        };
        this.positions.set(order, reversed);
        this.deals.push(deal);
        return { position: reversed, deal };
      }
      this.closing.push({ ...p, goneAt: visibleAt });
    }
    this.deals.push(deal);
    return { position: p, deal };
  }

  private realize(p: SimPosition, volume: number, price: number): number {
    const profit = round2(
      (p.side === "BUY" ? price - p.open_price : p.open_price - price) * volume * this.spec(p.symbol).contract,
    );
    this.balance = round2(this.balance + profit);
    return profit;
  }

  private execClose(p: SimPosition, volume: number, magic: number, comment: string, lag: number): SimDeal {
    const q = this.quote(p.symbol);
    const price = p.side === "BUY" ? q.bid : q.ask;
    const profit = this.realize(p, volume, price);
    const time = Date.now();
    if (volume >= p.volume - 1e-9) {
      this.positions.delete(p.ticket);
      this.closing.push({ ...p, goneAt: time + lag });
    } else p.volume = round8(p.volume - volume);
    const deal: SimDeal = {
      ticket: String(this.nextTicket++),
      order: String(this.nextTicket++),
      position: p.identifier,
      symbol: p.symbol,
      side: p.side === "BUY" ? "SELL" : "BUY",
      entry: "out",
      volume,
      price,
      profit,
      time_msc: time,
      magic,
      comment,
      visibleAt: time + lag,
    };
    this.deals.push(deal);
    return deal;
  }

  private spec(symbol: string): SimSymbol {
    return SIM_SYMBOLS[symbol] ?? SIM_SYMBOLS["EURUSD"]!;
  }

  private quote(symbol: string): { bid: number; ask: number } {
    const spec = this.spec(symbol);
    const mid = this.prices[symbol] ?? spec.price;
    const snap = (v: number) => Number((Math.round(v / spec.tick_size) * spec.tick_size).toFixed(spec.digits));
    return { bid: snap(mid - spec.spread / 2), ask: snap(mid + spec.spread / 2) };
  }

  /** Items the terminal lists now: synced, past their lag, not yet gone. */
  private visible<T extends Visible>(items: T[]): T[] {
    if (!this.synced) return [];
    const now = Date.now();
    return items.filter((i) => i.visibleAt <= now && (i.goneAt === undefined || i.goneAt > now));
  }

  /** Open positions as the server holds them, marked to market. */
  private openList(): EaPosition[] {
    return [...this.positions.values()].map((p) => this.mark(p));
  }

  private visiblePositions(): EaPosition[] {
    const now = Date.now();
    this.closing = this.closing.filter((c) => (c.goneAt ?? 0) > now);
    return this.visible([...this.positions.values(), ...this.closing]).map((p) => this.mark(p));
  }

  private mark(p: SimPosition): EaPosition {
    const q = this.quote(p.symbol);
    const current = p.side === "BUY" ? q.bid : q.ask;
    const { visibleAt: _v, goneAt: _g, ...rest } = p;
    return {
      ...rest,
      current_price: current,
      profit: round2(
        (p.side === "BUY" ? current - p.open_price : p.open_price - current) * p.volume * this.spec(p.symbol).contract,
      ),
    };
  }

  /** OnTradeTransaction pushes: now, and again once the lagging lists show the change. */
  private schedulePush(): void {
    this.pushPositions();
    const lag = this.lag();
    if (lag > 0) setTimeout(() => this.pushPositions(), lag + 5).unref();
  }

  private pushPositions(): void {
    if (this.socket && this.connected)
      writeLine(this.socket, { event: "positions", synced: this.synced, positions: this.visiblePositions() });
  }

  private pushTerminal(): void {
    if (this.socket && this.connected) writeLine(this.socket, { event: "terminal", ...this.state() });
  }

  private pushAccount(): void {
    if (this.socket && this.connected)
      writeLine(this.socket, {
        event: "account",
        account: this.account(),
        terminal_connected: this.serverConnected,
        synced: this.synced,
        trade_allowed: this.algoTrading,
      });
  }
}

function facts(retcode: number, f: Partial<EaTradeFacts>): EaTradeFacts {
  return { ...noFacts(retcode), ...f };
}

function noFacts(retcode: number): EaTradeFacts {
  return {
    retcode,
    order: "0",
    deal: "0",
    position: "0",
    position_ticket: "0",
    price: 0,
    volume: 0,
    sl: 0,
    tp: 0,
    time_msc: Date.now(),
  };
}

function strip<T extends Visible>(v: T): Omit<T, keyof Visible> {
  const { visibleAt: _v, goneAt: _g, ...rest } = v;
  return rest;
}

/** SYMBOL_FILLING_MODE flags (FOK 1, IOC 2); RETURN in Market/Exchange execution; FOK in Request/Instant. */
function allowedFilling(spec: SimSymbol, f: EaFilling): boolean {
  if (f === "FOK") return (spec.filling_mode & 1) !== 0 || !RETURN_FILLS.has(spec.execution);
  if (f === "IOC") return (spec.filling_mode & 2) !== 0;
  return RETURN_FILLS.has(spec.execution);
}

function onStep(volume: number, step: number): boolean {
  return Math.abs(Math.round(volume / step) * step - volume) < step * 1e-6;
}

function onTick(price: number, spec: SimSymbol): boolean {
  return price === 0 || Math.abs(Math.round(price / spec.tick_size) * spec.tick_size - price) < spec.point * 1e-3;
}

/** SL/TP on the right side of the close price and at least SYMBOL_TRADE_STOPS_LEVEL points from it. */
function stopsTooClose(spec: SimSymbol, side: "BUY" | "SELL", sl: number, tp: number, closePrice: number): boolean {
  const min = spec.stops_level * spec.point;
  if (side === "BUY")
    return (
      (sl > 0 && closePrice - sl < Math.max(min, spec.point)) || (tp > 0 && tp - closePrice < Math.max(min, spec.point))
    );
  return (
    (sl > 0 && sl - closePrice < Math.max(min, spec.point)) || (tp > 0 && closePrice - tp < Math.max(min, spec.point))
  );
}

/** Within SYMBOL_TRADE_FREEZE_LEVEL points of an existing SL/TP the position can be neither modified nor closed. */
function frozen(spec: SimSymbol, sl: number, tp: number, closePrice: number): boolean {
  const f = spec.freeze_level * spec.point;
  if (f <= 0) return false;
  const near = (level: number) => level > 0 && Math.abs(closePrice - level) <= f;
  return near(sl) || near(tp);
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const round8 = (v: number) => Math.round(v * 1e8) / 1e8;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The connector settings that pin it to the simulated terminal's default account and secret. */
export const SIM_BRIDGE_SETTINGS = { eaSecret: SIM_EA_SECRET, mt5Login: SIM_LOGIN, mt5Server: SIM_SERVER } as const;
