import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { PaperEngine } from "../../../core/paper/engine";
import type { PaperEvent } from "../../../core/paper/schemas";
import type { AccountInfo, TerminalInfo } from "../../../core/protocol/connector";
import { commentFor, magicFor } from "../client-id";
import type { Logger } from "../log";
import {
  type Broker,
  BrokerError,
  type CloseFill,
  type HistoryFilter,
  type OpenFill,
  type OpenOrder,
  type RawDeal,
  type RawPosition,
} from "./broker";

/**
 * The demo broker: core/paper's PaperEngine (the same fills as the object's paper account) fed by
 * a synthetic quote walk, since a connector has no market feed of its own. State (engine + deal
 * history + last prices) is saved atomically after every change in JOURNAL_DIR/paper-state.json,
 * so a restart keeps positions and a retry finds its client id.
 */
export interface PaperOptions {
  dir: string;
  log: Logger;
  initialBalance?: number;
  /** Starting mid prices; symbols in core/instruments have defaults. */
  prices?: Record<string, number>;
  /** Quote walk step interval; SL/TP are checked on every step. */
  tickMs?: number;
  random?: () => number;
  now?: () => number;
}

const DEFAULT_PRICES: Record<string, number> = { EURUSD: 1.085, USDCHF: 0.885, BTCUSD: 65000, SPX500: 5200 };

const SavedSchema = z.object({
  engine: z.unknown(),
  deals: z.array(z.custom<RawDeal>()),
  nextDeal: z.number().int().positive(),
  prices: z.record(z.string(), z.number().positive()),
});

export class PaperBroker implements Broker {
  readonly kind = "paper" as const;
  private engine: PaperEngine;
  private deals: RawDeal[] = [];
  private nextDeal = 1;
  private prices: Record<string, number>;
  private listeners = new Set<(p: RawPosition[], unreadable: number) => void>();
  private timer: NodeJS.Timeout | null = null;
  private readonly file: string;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly opts: PaperOptions) {
    mkdirSync(opts.dir, { recursive: true });
    this.file = join(opts.dir, "paper-state.json");
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.prices = { ...DEFAULT_PRICES, ...opts.prices };
    if (existsSync(this.file)) {
      const saved = SavedSchema.parse(JSON.parse(readFileSync(this.file, "utf8")));
      this.engine = PaperEngine.restore(saved.engine);
      this.deals = saved.deals;
      this.nextDeal = saved.nextDeal;
      this.prices = { ...this.prices, ...saved.prices };
    } else {
      this.engine = PaperEngine.create({ initialBalance: opts.initialBalance ?? 10_000 });
    }
  }

  async start(): Promise<void> {
    this.opts.log.info(
      `paper broker: balance ${this.engine.account().balance} ${this.engine.account().currency}, ${this.engine.positions().length} open position(s)`,
    );
    this.timer = setInterval(() => this.step(), this.opts.tickMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  isConnected(): boolean {
    return true;
  }

  terminal(): TerminalInfo {
    return { connected: true, name: "paper", company: "edgetrader", server: "paper" };
  }

  onPositionsChanged(listener: (positions: RawPosition[], unreadable: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async open(order: OpenOrder): Promise<OpenFill> {
    const time = this.now();
    const mid = this.mid(order.symbol);
    const r = this.engine.submit(
      {
        side: order.side,
        symbol: order.symbol,
        volume: order.volume,
        sl: order.sl,
        tp: order.tp,
        client_order_id: order.client_order_id,
        comment: commentFor(order.client_order_id),
      },
      { time, price: { mid } },
    );
    if (r.status === "rejected")
      throw new BrokerError(
        r.reason === "unknown_symbol" || r.reason === "invalid_volume" || r.reason === "invalid_order"
          ? "invalid"
          : "rejected",
        r.message,
        false,
        r.reason,
      );
    const e = r.event;
    if (!r.duplicate) this.addDeal(e, "in", e.price, e.volume, 0);
    this.changed();
    return { ticket: ticketOf(r.positionId), price: e.price, volume: e.volume, time: e.time };
  }

  async close(ticket: string, clientOrderId: string, volume?: number): Promise<CloseFill> {
    const pos = this.engine.positions().find((p) => ticketOf(p.id) === ticket);
    if (!pos) throw new BrokerError("not_found", `no open position ${ticket}`);
    if (volume !== undefined && volume < pos.volume)
      throw new BrokerError("invalid", "the paper broker closes whole positions only");
    const r = this.engine.close(pos.id, { time: this.now(), reason: "manual", price: { mid: this.mid(pos.symbol) } });
    if (r.status === "rejected") throw new BrokerError("rejected", r.message, false, r.reason);
    this.addDeal(r.event, "out", r.event.exitPrice, r.event.volume, r.event.netPnl, clientOrderId);
    this.changed();
    return { price: r.event.exitPrice, volume: r.event.volume, time: r.event.time };
  }

  async modify(ticket: string, sl: number | null | undefined, tp: number | null | undefined) {
    const pos = this.engine.positions().find((p) => ticketOf(p.id) === ticket);
    if (!pos) throw new BrokerError("not_found", `no open position ${ticket}`);
    const patch: { sl?: number | null; tp?: number | null } = {};
    if (sl !== undefined) patch.sl = sl;
    if (tp !== undefined) patch.tp = tp;
    const r = this.engine.modify(pos.id, patch, this.now());
    if (r.status === "rejected")
      throw new BrokerError(r.reason === "invalid_stops" ? "invalid" : "rejected", r.message, false, r.reason);
    this.changed();
    const after = this.engine.positions().find((p) => p.id === pos.id);
    return { sl: after?.sl ?? null, tp: after?.tp ?? null };
  }

  async positions(): Promise<RawPosition[]> {
    return this.rawPositions();
  }

  async history(filter: HistoryFilter): Promise<RawDeal[]> {
    const magic = filter.client_order_id ? magicFor(filter.client_order_id) : undefined;
    return this.deals.filter(
      (d) =>
        d.time >= filter.from &&
        (magic === undefined || d.magic === magic) &&
        (!filter.position_ticket || d.position_ticket === filter.position_ticket),
    );
  }

  async account(): Promise<AccountInfo> {
    const a = this.engine.account();
    return {
      login: "paper",
      server: "paper",
      currency: a.currency,
      balance: a.balance,
      equity: a.equity,
      margin: a.marginUsed,
      free_margin: a.freeMargin,
    };
  }

  private rawPositions(): RawPosition[] {
    return this.engine.positions().map((p) => ({
      ticket: ticketOf(p.id),
      symbol: p.symbol,
      side: p.side,
      volume: p.volume,
      open_price: p.entryPrice,
      ...(p.markPrice !== null ? { current_price: p.markPrice } : {}),
      sl: p.sl,
      tp: p.tp,
      profit: p.unrealizedPnl,
      opened_at: p.openTime,
      magic: magicFor(p.clientOrderId),
      comment: commentFor(p.clientOrderId),
    }));
  }

  /** One step of the quote walk for every symbol with a position; SL/TP hits become deals. */
  private step(): void {
    const symbols = new Set(this.engine.positions().map((p) => p.symbol));
    let closed = false;
    for (const symbol of symbols) {
      const mid = this.walk(symbol);
      const spec = this.engine.settings.instruments[symbol];
      const half = spec ? (spec.defaultSpreadPoints * spec.tickSize) / 2 : 0;
      const events = this.engine.processTick({ symbol, time: this.now(), bid: mid - half, ask: mid + half }).events;
      for (const e of events) {
        if (e.type === "closed") {
          this.addDeal(e, "out", e.exitPrice, e.volume, e.netPnl);
          closed = true;
        }
      }
    }
    if (closed) this.changed();
  }

  private mid(symbol: string): number {
    return this.prices[symbol] ?? 1;
  }

  private walk(symbol: string): number {
    const p = this.mid(symbol) * (1 + (this.random() - 0.5) * 0.0004);
    this.prices[symbol] = p;
    return p;
  }

  private addDeal(
    e: PaperEvent,
    entry: RawDeal["entry"],
    price: number,
    volume: number,
    profit: number,
    closingClientId?: string,
  ): void {
    const id = closingClientId ?? e.clientOrderId;
    this.deals.push({
      ticket: String(this.nextDeal++),
      position_ticket: ticketOf(e.positionId),
      symbol: e.symbol,
      side: entry === "in" ? e.side : e.side === "BUY" ? "SELL" : "BUY",
      entry,
      volume,
      price,
      profit,
      time: e.time,
      magic: magicFor(id),
      comment: commentFor(id),
    });
    if (this.deals.length > 5000) this.deals.splice(0, this.deals.length - 5000);
  }

  private changed(): void {
    this.save();
    const positions = this.rawPositions();
    for (const l of this.listeners) l(positions, 0);
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, "w");
    writeSync(
      fd,
      JSON.stringify({ engine: this.engine.toJSON(), deals: this.deals, nextDeal: this.nextDeal, prices: this.prices }),
    );
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file);
  }
}

/** Paper position ids are "pos-<n>"; tickets on the wire are digits. */
function ticketOf(positionId: string): string {
  return positionId.replace(/^pos-/, "");
}
