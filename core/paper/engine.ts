import { INSTRUMENTS } from "../instruments/catalog";
import { commissionPerSide, marginInAccount, pnlInAccount, quoteToAccountRate } from "../instruments/pnl";
import { cleanPrice, isWholeLotSteps, roundMoney, roundToTick } from "../instruments/rounding";
import { type InstrumentSpec, pointOf } from "../instruments/spec";
import { type OrderIntent, type OrderIntentInput, OrderIntentSchema } from "../protocol/orders";
import { issueText } from "../util/zod-issues";
import { resolveExit, type SideBar, slipStopFill } from "./exits";
import { utcDay } from "./ledger";
import { manageStops } from "./management";
import {
  type Bar,
  BarSchema,
  type ClosedEvent,
  type CloseReason,
  type ModifiedEvent,
  type OpenedEvent,
  type OrderResult,
  type PaperEvent,
  type PaperSettingsInput,
  PaperSettingsSchema,
  type PaperState,
  PaperStateSchema,
  type Position,
  type PriceInput,
  PriceInputSchema,
  type RejectReason,
  type Tick,
  TickSchema,
} from "./schemas";

export type SubmitResult = OrderResult & { duplicate: boolean };
export type CloseResult =
  | { status: "closed"; event: ClosedEvent }
  | { status: "rejected"; reason: RejectReason; message: string };
export type ModifyResult =
  | { status: "modified"; event: ModifiedEvent | null }
  | { status: "rejected"; reason: RejectReason; message: string };

export interface AccountSnapshot {
  currency: string;
  balance: number;
  equity: number;
  unrealizedPnl: number;
  marginUsed: number;
  freeMargin: number;
  /** equity / marginUsed * 100, null with no open positions. */
  marginLevel: number | null;
  openPositions: number;
  dailyRealized: Record<string, number>;
}

export interface PositionMark extends Position {
  /** Exit-side price it is marked at (bid for BUY, ask for SELL), null before any quote. */
  markPrice: number | null;
  unrealizedPnl: number;
}

export interface ModifyPatch {
  sl?: number | null;
  tp?: number | null;
  trailing?: { distancePoints: number; activationPoints?: number | null } | null;
  breakeven?: { triggerPoints: number; lockPoints?: number } | null;
}

interface Quote {
  bid: number;
  ask: number;
}

/**
 * Deterministic paper broker: the same calls in the same order give the same events, and the
 * whole state is plain JSON (toJSON / PaperEngine.restore). No clock and no randomness inside:
 * every call carries its time. Rules are in docs/PAPER_ENGINE.md.
 */
export class PaperEngine {
  private readonly orderIndex = new Map<string, OrderResult>();

  private constructor(private readonly s: PaperState) {
    for (const o of s.orders) this.orderIndex.set(o.clientOrderId, o.result);
  }

  static create(settings: PaperSettingsInput): PaperEngine {
    const parsed = PaperSettingsSchema.parse(settings);
    const instruments = parsed.instruments ?? { ...INSTRUMENTS };
    return new PaperEngine({
      version: 1,
      settings: { ...parsed, instruments },
      balance: roundMoney(parsed.initialBalance),
      dailyRealized: {},
      positions: [],
      orders: [],
      lastQuotes: {},
      nextPositionSeq: 1,
      nextEventSeq: 1,
    });
  }

  /** Rebuild from toJSON() output (validated: a corrupt snapshot throws instead of trading on it). */
  static restore(json: unknown): PaperEngine {
    return new PaperEngine(PaperStateSchema.parse(json));
  }

  toJSON(): PaperState {
    return JSON.parse(JSON.stringify(this.s)) as PaperState;
  }

  get settings(): PaperState["settings"] {
    return this.s.settings;
  }

  // ---- reads -------------------------------------------------------------------------------

  positions(): PositionMark[] {
    return this.s.positions.map((p) => this.mark(p));
  }

  position(id: string): PositionMark | undefined {
    const p = this.s.positions.find((x) => x.id === id);
    return p && this.mark(p);
  }

  /** The remembered result for a client order id, if any. */
  orderResult(clientOrderId: string): OrderResult | undefined {
    const r = this.orderIndex.get(clientOrderId);
    return r && (JSON.parse(JSON.stringify(r)) as OrderResult);
  }

  account(): AccountSnapshot {
    const { unrealized, marginUsed, equity, freeMargin } = this.totals();
    return {
      currency: this.s.settings.accountCurrency,
      balance: this.s.balance,
      equity,
      unrealizedPnl: unrealized,
      marginUsed,
      freeMargin,
      marginLevel: marginUsed > 0 ? Number(((equity / marginUsed) * 100).toFixed(2)) : null,
      openPositions: this.s.positions.length,
      dailyRealized: { ...this.s.dailyRealized },
    };
  }

  /**
   * Sum of the open positions' unrealized P&L (each rounded as in positions()), not rounded: what
   * account() sums, without building a mark per position (the backtester asks on every bar).
   */
  unrealizedSum(): number {
    let sum = 0;
    for (const p of this.s.positions) sum += this.unrealizedOf(p);
    return sum;
  }

  /** Realized result booked on one UTC day (0 if none). */
  dailyPnl(day: string): number {
    return this.s.dailyRealized[day] ?? 0;
  }

  // ---- orders ------------------------------------------------------------------------------

  /**
   * Market order at `price`. A client order id seen before returns the first result (filled or
   * rejected) with duplicate: true and changes nothing.
   */
  submit(intent: OrderIntentInput | OrderIntent, ctx: { time: number; price: PriceInput }): SubmitResult {
    const parsed = OrderIntentSchema.safeParse(intent);
    if (!parsed.success) {
      const id =
        typeof (intent as { client_order_id?: unknown }).client_order_id === "string"
          ? (intent as { client_order_id: string }).client_order_id
          : null;
      return {
        status: "rejected",
        clientOrderId: id,
        reason: "invalid_order",
        message: issueText(parsed.error),
        duplicate: false,
      };
    }
    const order = parsed.data;
    const prior = this.orderIndex.get(order.client_order_id);
    if (prior) return { ...(JSON.parse(JSON.stringify(prior)) as OrderResult), duplicate: true };
    return this.submitTrusted(order, { time: ctx.time, price: PriceInputSchema.parse(ctx.price) });
  }

  /**
   * submit() after its validation: ONLY for an intent that is already OrderIntentSchema's output
   * and a price that already passes PriceInputSchema (the backtester checks both once where it
   * builds them, core/backtest/order-check.ts; anything it can't vouch for goes through submit).
   * Input from outside goes through submit. Same fill, rejection, idempotency and events.
   */
  submitTrusted(order: OrderIntent, ctx: { time: number; price: PriceInput }): SubmitResult {
    const prior = this.orderIndex.get(order.client_order_id);
    if (prior) return { ...(JSON.parse(JSON.stringify(prior)) as OrderResult), duplicate: true };
    const result = this.open(order, ctx.time, ctx.price);
    this.remember(order.client_order_id, result);
    // open() built `result` for this call (remember keeps its own copy): mark it instead of spreading it.
    const out = result as SubmitResult;
    out.duplicate = false;
    return out;
  }

  /**
   * Close at market (manual or on a signal): exit side of the quote, adverse slippage. `volume`
   * below the position's closes that part (a leg): the rest stays open with its share of margin
   * and opening commission, so the legs' netPnl add up to what one full close would report.
   */
  close(
    positionId: string,
    opts: {
      time: number;
      reason: Extract<CloseReason, "manual" | "signal" | "time">;
      price?: PriceInput;
      volume?: number;
    },
  ): CloseResult {
    const pos = this.s.positions.find((p) => p.id === positionId);
    if (!pos) return { status: "rejected", reason: "unknown_position", message: `no open position ${positionId}` };
    const spec = this.spec(pos.symbol);
    const part = opts.volume;
    if (part !== undefined && part < pos.volume - 1e-9) {
      const rest = Math.round((pos.volume - part) * 1e8) / 1e8;
      if (!(part > 0) || !isWholeLotSteps(part, spec) || rest < spec.minLot - 1e-12) {
        return {
          status: "rejected",
          reason: "invalid_volume",
          message: `partial close of ${part} from ${pos.volume}: both parts must be whole steps of ${spec.lotStep}, at least ${spec.minLot}`,
        };
      }
    }
    const q = opts.price
      ? this.quoteOf(spec, PriceInputSchema.parse(opts.price), opts.time)
      : this.s.lastQuotes[pos.symbol];
    if (!q) return { status: "rejected", reason: "no_price", message: `no quote for ${pos.symbol} yet` };
    this.s.lastQuotes[pos.symbol] = { bid: q.bid, ask: q.ask, time: opts.price ? opts.time : q.time };
    const slip = this.s.settings.slippagePoints * pointOf(spec);
    const exit = cleanPrice(pos.side === "BUY" ? q.bid - slip : q.ask + slip, spec);
    return {
      status: "closed",
      event: this.closeAt(
        pos,
        exit,
        opts.time,
        opts.reason,
        part !== undefined && part < pos.volume - 1e-9 ? part : pos.volume,
      ),
    };
  }

  /** Change SL/TP (and trailing/breakeven). Levels must sit on the right side of the current exit price. */
  modify(positionId: string, patch: ModifyPatch, time: number): ModifyResult {
    const pos = this.s.positions.find((p) => p.id === positionId);
    if (!pos) return { status: "rejected", reason: "unknown_position", message: `no open position ${positionId}` };
    const sl = patch.sl === undefined ? pos.sl : patch.sl;
    const tp = patch.tp === undefined ? pos.tp : patch.tp;
    const q = this.s.lastQuotes[pos.symbol];
    const bad = q ? this.stopsProblem(pos.side, sl, tp, q) : null;
    if (bad) return { status: "rejected", reason: "invalid_stops", message: bad };
    for (const v of [sl, tp])
      if (v !== null && !(Number.isFinite(v) && v > 0))
        return { status: "rejected", reason: "invalid_stops", message: "levels must be positive" };
    if (patch.trailing !== undefined) {
      pos.trailing = patch.trailing && {
        distancePoints: patch.trailing.distancePoints,
        activationPoints: patch.trailing.activationPoints ?? null,
      };
    }
    if (patch.breakeven !== undefined) {
      pos.breakeven = patch.breakeven && {
        triggerPoints: patch.breakeven.triggerPoints,
        lockPoints: patch.breakeven.lockPoints ?? 0,
        done: false,
      };
    }
    if (sl === pos.sl && tp === pos.tp) return { status: "modified", event: null };
    const event = this.setStops(pos, sl, tp, time, "manual");
    if (patch.sl !== undefined) pos.slSource = "manual";
    return { status: "modified", event };
  }

  // ---- market data -------------------------------------------------------------------------

  /**
   * One closed bar of mid prices for `bar.symbol`. Positions opened at or before bar.time are
   * checked in opening order: exits first (gap, then SL-before-TP), then breakeven/trailing from
   * the bar's favourable extreme, which therefore cannot help within the same bar.
   */
  processBar(input: Bar): PaperEvent[] {
    return this.processTrustedBar(BarSchema.parse(input));
  }

  /**
   * processBar without re-validating: ONLY for bars already known to pass BarSchema (the
   * backtester checks each bar it passes here; see core/backtest/bar-check.ts). Input from outside
   * goes through processBar. Each side's prices are computed only when a position exits on it.
   */
  processTrustedBar(bar: Bar): PaperEvent[] {
    const spec = this.spec(bar.symbol);
    const half = ((bar.spreadPoints ?? this.spreadPoints(spec)) * pointOf(spec)) / 2;
    const bidClose = cleanPrice(bar.close - half, spec);
    const askClose = cleanPrice(bar.close + half, spec);
    let events: PaperEvent[] = [];
    let buys = false;
    let sells = false;
    // A side whose every due position surely keeps its stops on this bar needs no cleaned prices:
    // cleanPrice moves a price by at most half of 10^-(digits+1), so a raw price a full step
    // clear of a level stays clear once cleaned. Positions that trail or await breakeven read
    // the cleaned extremes, so they always need them. (Checked before collecting the due
    // positions: on most bars nothing can exit and nothing is built.)
    const step = pointOf({ digits: spec.digits + 1 });
    for (const p of this.s.positions) {
      if (p.symbol !== spec.symbol || p.openTime > bar.time) continue;
      if (
        !p.trailing &&
        !(p.breakeven && !p.breakeven.done) &&
        surelyNoExit(p, bar, p.side === "BUY" ? -half : half, step)
      )
        continue;
      if (p.side === "BUY") buys = true;
      else sells = true;
    }
    if (buys || sells)
      events = this.runBar(
        spec,
        bar.time,
        this.dueAt(spec.symbol, bar.time),
        buys ? shiftBar(bar, -half, bidClose, spec) : null,
        sells ? shiftBar(bar, half, askClose, spec) : null,
      );
    this.setQuote(spec.symbol, bidClose, askClose, bar.time);
    return events;
  }

  /** A live quote: a one-price bar per side (so a tick beyond SL fills at that tick), then marks. */
  processTick(input: Tick): { events: PaperEvent[]; positions: PositionMark[]; account: AccountSnapshot } {
    const tick = TickSchema.parse(input);
    const spec = this.spec(tick.symbol);
    const flat = (p: number): SideBar => ({ open: p, high: p, low: p, close: p });
    const events = this.runBar(spec, tick.time, this.dueAt(spec.symbol, tick.time), flat(tick.bid), flat(tick.ask));
    this.s.lastQuotes[spec.symbol] = { bid: tick.bid, ask: tick.ask, time: tick.time };
    return { events, positions: this.positions().filter((p) => p.symbol === spec.symbol), account: this.account() };
  }

  // ---- internals ---------------------------------------------------------------------------

  /**
   * lastQuotes[symbol] = { bid, ask, time }, updating the entry in place: the quote objects never
   * leave the engine (reads copy their numbers, toJSON copies the state).
   */
  private setQuote(symbol: string, bid: number, ask: number, time: number): void {
    const q = this.s.lastQuotes[symbol];
    if (q) {
      q.bid = bid;
      q.ask = ask;
      q.time = time;
    } else this.s.lastQuotes[symbol] = { bid, ask, time };
  }

  /** Positions of `symbol` opened at or before `time`, in opening order. */
  private dueAt(symbol: string, time: number): Position[] {
    const due: Position[] = [];
    for (const p of this.s.positions) if (p.symbol === symbol && p.openTime <= time) due.push(p);
    if (due.length > 1) due.sort(byOpening);
    return due;
  }

  /** `bid`/`ask` null: every due position of that side surely keeps its stops and has nothing to manage. */
  private runBar(
    spec: InstrumentSpec,
    time: number,
    due: Position[],
    bid: SideBar | null,
    ask: SideBar | null,
  ): PaperEvent[] {
    const events: PaperEvent[] = [];
    const slip = this.s.settings.slippagePoints * pointOf(spec);
    for (const pos of due) {
      const bar = pos.side === "BUY" ? bid : ask;
      if (!bar) continue;
      const hit = resolveExit(pos.side, pos.sl, pos.tp, bar);
      if (hit) {
        const price = hit.kind === "tp" ? hit.price : cleanPrice(slipStopFill(pos.side, hit.price, slip, bar), spec);
        const reason: CloseReason =
          hit.kind === "tp"
            ? "tp"
            : pos.slSource === "trailing"
              ? "trailing"
              : pos.slSource === "breakeven"
                ? "breakeven"
                : "sl";
        events.push(this.closeAt(pos, price, time, reason));
        continue;
      }
      // Nothing to manage (manageStops would answer null): skip building its arguments.
      if (!pos.trailing && !(pos.breakeven && !pos.breakeven.done)) continue;
      const update = manageStops(pos, pos.side === "BUY" ? bar.high : bar.low, pointOf(spec), (p) =>
        cleanPrice(p, spec),
      );
      if (!update) continue;
      if (update.breakevenDone && pos.breakeven) pos.breakeven = { ...pos.breakeven, done: true };
      if (update.source !== null && update.sl !== null) {
        events.push(this.setStops(pos, update.sl, pos.tp, time, update.source));
        pos.slSource = update.source;
      }
    }
    return events;
  }

  private open(o: OrderIntent, time: number, price: PriceInput): OrderResult {
    const spec = this.s.settings.instruments[o.symbol];
    if (!spec) return rejection(o.client_order_id, "unknown_symbol", `${o.symbol} is not tradable on this account`);
    if (o.volume < spec.minLot - 1e-12 || o.volume > spec.maxLot + 1e-12 || !isWholeLotSteps(o.volume, spec)) {
      return rejection(
        o.client_order_id,
        "invalid_volume",
        `volume must be ${spec.minLot}..${spec.maxLot} in steps of ${spec.lotStep}`,
        { volume: o.volume },
      );
    }
    const q = this.quoteOf(spec, price, time);
    const slip = this.s.settings.slippagePoints * pointOf(spec);
    const fill = cleanPrice(o.side === "BUY" ? q.ask + slip : q.bid - slip, spec);
    // Stops relative to the fill: the planned distances, kept from the actual fill price.
    const shift = o.stops_anchor !== undefined ? fill - o.stops_anchor : 0;
    const sl = o.sl !== null && shift !== 0 ? roundToTick(o.sl + shift, spec) : o.sl;
    const tp = o.tp !== null && shift !== 0 ? roundToTick(o.tp + shift, spec) : o.tp;
    const bad = this.stopsProblem(o.side, sl, tp, q);
    if (bad) return rejection(o.client_order_id, "invalid_stops", bad);
    const rate = quoteToAccountRate(spec, this.s.settings.accountCurrency, fill);
    if (rate === undefined)
      return rejection(
        o.client_order_id,
        "no_conversion_rate",
        `no ${spec.quoteCurrency}->${this.s.settings.accountCurrency} rate`,
      );
    // Mark open positions with this quote before judging free margin.
    this.setQuote(spec.symbol, q.bid, q.ask, time);
    const margin = roundMoney(marginInAccount(spec, o.volume, fill, rate));
    const free = this.totals().freeMargin;
    if (margin > free)
      return rejection(o.client_order_id, "insufficient_margin", `needs ${margin} margin, ${free} free`, {
        required: margin,
        free,
      });
    const commission = roundMoney(commissionPerSide(spec, o.volume, fill, rate));
    this.book(time, -commission);
    const seq = this.s.nextPositionSeq++;
    const pos: Position = {
      id: `pos-${seq}`,
      seq,
      clientOrderId: o.client_order_id,
      symbol: spec.symbol,
      side: o.side,
      volume: o.volume,
      entryPrice: fill,
      openTime: time,
      sl,
      tp,
      slSource: "initial",
      trailing: o.trailing_stop
        ? {
            distancePoints: o.trailing_stop.distance_points,
            activationPoints: o.trailing_stop.activation_points ?? null,
          }
        : null,
      breakeven: o.breakeven
        ? { triggerPoints: o.breakeven.trigger_points, lockPoints: o.breakeven.lock_points, done: false }
        : null,
      commissionOpen: commission,
      margin,
      comment: o.comment ?? null,
    };
    this.s.positions.push(pos);
    const event: OpenedEvent = {
      type: "opened",
      seq: this.s.nextEventSeq++,
      time,
      positionId: pos.id,
      clientOrderId: pos.clientOrderId,
      symbol: pos.symbol,
      side: pos.side,
      volume: pos.volume,
      price: fill,
      sl: pos.sl,
      tp: pos.tp,
      commission,
      margin,
      balance: this.s.balance,
      comment: pos.comment,
    };
    return { status: "filled", clientOrderId: o.client_order_id, positionId: pos.id, event };
  }

  /** Closes `volume` of `pos` (all of it by default); a part leaves the rest open with its share of margin and opening commission. */
  private closeAt(pos: Position, exit: number, time: number, reason: CloseReason, volume = pos.volume): ClosedEvent {
    const spec = this.spec(pos.symbol);
    const ccy = this.s.settings.accountCurrency;
    const rate = quoteToAccountRate(spec, ccy, exit) as number; // existed at open: same currencies
    const whole = volume >= pos.volume - 1e-9;
    const share = whole ? 1 : volume / pos.volume;
    const gross = roundMoney(pnlInAccount(spec, pos.side, volume, pos.entryPrice, exit, ccy));
    // A take-profit rests on the book (maker); stops and market closes take liquidity (taker).
    const commission = roundMoney(commissionPerSide(spec, volume, exit, rate, reason === "tp" ? "maker" : "taker"));
    const openPart = whole ? pos.commissionOpen : roundMoney(pos.commissionOpen * share);
    this.book(time, gross - commission);
    if (whole) this.s.positions = this.s.positions.filter((p) => p !== pos);
    else {
      pos.volume = Math.round((pos.volume - volume) * 1e8) / 1e8;
      pos.commissionOpen = roundMoney(pos.commissionOpen - openPart);
      pos.margin = roundMoney(pos.margin * (1 - share));
    }
    const total = roundMoney(openPart + commission);
    return {
      type: "closed",
      seq: this.s.nextEventSeq++,
      time,
      positionId: pos.id,
      clientOrderId: pos.clientOrderId,
      symbol: pos.symbol,
      side: pos.side,
      volume,
      entryPrice: pos.entryPrice,
      exitPrice: exit,
      reason,
      grossPnl: gross,
      commission,
      totalCommission: total,
      netPnl: roundMoney(gross - total),
      balance: this.s.balance,
      ...(whole ? {} : { remainingVolume: pos.volume }),
    };
  }

  private setStops(
    pos: Position,
    sl: number | null,
    tp: number | null,
    time: number,
    reason: ModifiedEvent["reason"],
  ): ModifiedEvent {
    const event: ModifiedEvent = {
      type: "modified",
      seq: this.s.nextEventSeq++,
      time,
      positionId: pos.id,
      clientOrderId: pos.clientOrderId,
      symbol: pos.symbol,
      side: pos.side,
      sl,
      tp,
      previousSl: pos.sl,
      previousTp: pos.tp,
      reason,
    };
    pos.sl = sl;
    pos.tp = tp;
    return event;
  }

  /** MT5's rule: a BUY's SL below and TP above the bid it would close at; a SELL's around the ask. */
  private stopsProblem(side: "BUY" | "SELL", sl: number | null, tp: number | null, q: Quote): string | null {
    if (side === "BUY") {
      if (sl !== null && sl >= q.bid) return `BUY sl ${sl} must be below bid ${q.bid}`;
      if (tp !== null && tp <= q.bid) return `BUY tp ${tp} must be above bid ${q.bid}`;
    } else {
      if (sl !== null && sl <= q.ask) return `SELL sl ${sl} must be above ask ${q.ask}`;
      if (tp !== null && tp >= q.ask) return `SELL tp ${tp} must be below ask ${q.ask}`;
    }
    return null;
  }

  /** The account's sums (what account() reports; the margin check reads freeMargin) without building marks. */
  private totals(): { unrealized: number; marginUsed: number; equity: number; freeMargin: number } {
    let margin = 0;
    for (const p of this.s.positions) margin += p.margin;
    const unrealized = roundMoney(this.unrealizedSum());
    const marginUsed = roundMoney(margin);
    const equity = roundMoney(this.s.balance + unrealized);
    return { unrealized, marginUsed, equity, freeMargin: roundMoney(equity - marginUsed) };
  }

  private book(time: number, amount: number): void {
    const day = utcDay(time);
    this.s.balance = roundMoney(this.s.balance + amount);
    this.s.dailyRealized[day] = roundMoney((this.s.dailyRealized[day] ?? 0) + amount);
  }

  private remember(clientOrderId: string, given: OrderResult): void {
    // Own copy: the caller may decorate the returned event; the remembered answer must not change.
    const result = copyResult(given);
    const orders = this.s.orders;
    orders.push({ clientOrderId, result });
    this.orderIndex.set(clientOrderId, result);
    const max = this.s.settings.maxRememberedOrders;
    if (orders.length <= max) return;
    // Forget the oldest results of orders without an open position. (A few open positions: a
    // scan is cheaper than building a set on every order.)
    const positions = this.s.positions;
    // (No named closures on this per-order path: the bundlers' keepNames wraps each in __name.)
    const ids = positions.length > 8 ? new Set(positions.map((p) => p.clientOrderId)) : null;
    while (orders.length > max) {
      const i = orders.findIndex((o) =>
        ids ? !ids.has(o.clientOrderId) : !positions.some((p) => p.clientOrderId === o.clientOrderId),
      );
      if (i < 0) break;
      const gone = i === 0 ? orders.shift() : orders.splice(i, 1)[0];
      if (gone) this.orderIndex.delete(gone.clientOrderId);
    }
  }

  private unrealizedOf(p: Position): number {
    const q = this.s.lastQuotes[p.symbol];
    if (!q) return 0;
    return roundMoney(
      pnlInAccount(
        this.spec(p.symbol),
        p.side,
        p.volume,
        p.entryPrice,
        p.side === "BUY" ? q.bid : q.ask,
        this.s.settings.accountCurrency,
      ),
    );
  }

  private mark(p: Position): PositionMark {
    const q = this.s.lastQuotes[p.symbol];
    const markPrice = q ? (p.side === "BUY" ? q.bid : q.ask) : null;
    const unrealizedPnl = this.unrealizedOf(p);
    // Spelled out: V8 takes a slow generic path for `{ ...p, extra }` (microseconds per object).
    return {
      id: p.id,
      seq: p.seq,
      clientOrderId: p.clientOrderId,
      symbol: p.symbol,
      side: p.side,
      volume: p.volume,
      entryPrice: p.entryPrice,
      openTime: p.openTime,
      sl: p.sl,
      tp: p.tp,
      slSource: p.slSource,
      trailing: p.trailing && { ...p.trailing },
      breakeven: p.breakeven && { ...p.breakeven },
      commissionOpen: p.commissionOpen,
      margin: p.margin,
      comment: p.comment,
      markPrice,
      unrealizedPnl,
    };
  }

  private quoteOf(spec: InstrumentSpec, price: PriceInput, time: number): Quote & { time: number } {
    if ("bid" in price) return { bid: price.bid, ask: price.ask, time };
    const half = ((price.spreadPoints ?? this.spreadPoints(spec)) * pointOf(spec)) / 2;
    return { bid: cleanPrice(price.mid - half, spec), ask: cleanPrice(price.mid + half, spec), time };
  }

  private spreadPoints(spec: InstrumentSpec): number {
    return this.s.settings.spreadPoints[spec.symbol] ?? spec.defaultSpreadPoints;
  }

  private spec(symbol: string): InstrumentSpec {
    const spec = this.s.settings.instruments[symbol];
    if (!spec) throw new RangeError(`unknown symbol ${symbol}`);
    return spec;
  }
}

/** True when neither SL nor TP of `p` can be taken out by `bar` shifted by `d`, even after cleaning. */
function surelyNoExit(p: Position, bar: Bar, d: number, step: number): boolean {
  const open = bar.open + d;
  const high = bar.high + d;
  const low = bar.low + d;
  if (p.side === "BUY") {
    if (p.sl !== null && !(open - step > p.sl && low - step > p.sl)) return false;
    if (p.tp !== null && !(open + step < p.tp && high + step < p.tp)) return false;
    return true;
  }
  if (p.sl !== null && !(open + step < p.sl && high + step < p.sl)) return false;
  if (p.tp !== null && !(open - step > p.tp && low - step > p.tp)) return false;
  return true;
}

/** A rejected order's result (details only when given). */
function rejection(
  clientOrderId: string,
  reason: RejectReason,
  message: string,
  details?: Record<string, number>,
): OrderResult {
  return details
    ? { status: "rejected", clientOrderId, reason, message, details }
    : { status: "rejected", clientOrderId, reason, message };
}

const byOpening = (a: Position, b: Position) => a.openTime - b.openTime || a.seq - b.seq;

/** One side of a mid bar (close given: it is also that side's last quote). */
function shiftBar(bar: Bar, d: number, close: number, spec: InstrumentSpec): SideBar {
  return {
    open: cleanPrice(bar.open + d, spec),
    high: cleanPrice(bar.high + d, spec),
    low: cleanPrice(bar.low + d, spec),
    close,
  };
}

/**
 * A deep copy of an order result, field for field what JSON.parse(JSON.stringify(r)) gives: every
 * field is a string, a finite number, null or a flat record of numbers (OrderResultSchema).
 */
function copyResult(r: OrderResult): OrderResult {
  if (r.status === "filled") return { ...r, event: { ...r.event } };
  return r.details ? { ...r, details: { ...r.details } } : { ...r };
}
