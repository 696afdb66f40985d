import type { CommandFrame, TradeError, TradeErrorFrame, TradeResult } from "../../core/protocol/connector";
import { errorMessage } from "../../core/util/error-message";
import type { Broker } from "./brokers/broker";
import { BrokerError } from "./brokers/broker";
import { matchesClientId } from "./client-id";
import { type Instruction, resultAction, toInstruction } from "./instructions";
import type { Journal, OutboxFrame } from "./journal";
import type { Logger } from "./log";

export interface ExecutorDeps {
  journal: Journal;
  broker: Broker;
  /** The object's clock (local clock corrected by the skew measured at AUTH_OK). */
  now: () => number;
  log: Logger;
  /** Hands a journaled frame to the socket (if connected; the journal re-sends it otherwise). */
  emit: (frame: OutboxFrame) => void;
  /** Pause between looks at the broker while an outcome is unknown. */
  retryDelayMs?: number;
  /**
   * How long an order in doubt is looked for before it counts as not executed: a terminal's
   * position, order and deal lists lag behind OrderSend, so one empty look proves nothing.
   */
  lookupSettleMs?: number;
}

/** An order the broker accepted and has not filled yet (MT5 PLACED): wait for it, never resend. */
const PENDING = "pending" as const;

/** How far back the broker's history is searched for a client id, before the command arrived. */
const HISTORY_SLACK_MS = 24 * 3600_000;

/**
 * Runs commands exactly once. Order of business for each command id:
 *  1. already answered -> the journaled result again (never executed twice);
 *  2. running -> nothing (its result follows);
 *  3. journaled without result (crash) or its client id used before -> ask the broker first;
 *  4. past expires_at -> "expired";
 *  5. journal the command (fsync), send it, journal the result (fsync), report it.
 * An answer that may have been lost (timeout, EA link dropped, an MT5 TIMEOUT/ERROR/CONNECTION or
 * PLACED answer) makes the outcome unknown: the broker's positions, active orders and deals are
 * searched by client id until they say what happened; "not there" counts only once they had
 * lookupSettleMs to catch up, and an active order is waited for.
 */
export class Executor {
  private inflight = new Map<string, Promise<void>>();
  private stopped = false;
  /** Broker calls made, by kind (for tests and the status line). */
  readonly sent = { open: 0, close: 0, modify: 0, lookups: 0 };

  constructor(private readonly d: ExecutorDeps) {}

  stop(): void {
    this.stopped = true;
  }

  /** Settles when every running command has its result (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight.values()]);
  }

  handle(frame: CommandFrame): Promise<void> {
    const instruction = toInstruction(frame);
    const id = instruction.command_id;
    const entry = this.d.journal.command(id);
    if (entry?.result) {
      this.d.log.info(`command ${id} repeated: answered from the journal`);
      this.d.journal.requeue(entry.result);
      this.d.emit(entry.result);
      return Promise.resolve();
    }
    const running = this.inflight.get(id);
    if (running) return running;
    if (entry) return this.run(entry.instruction, true);
    this.d.journal.recordCommand(instruction);
    if (this.d.now() > instruction.expires_at) {
      this.finish(
        instruction,
        this.failure(instruction, { code: "expired", message: `arrived after expires_at (${instruction.expires_at})` }),
      );
      return Promise.resolve();
    }
    const reused =
      instruction.kind === "open" && this.d.journal.commandsForClientId(instruction.client_order_id).length > 1;
    return this.run(instruction, reused);
  }

  /** Finish commands a previous run journaled but never answered. */
  recover(): Promise<void> {
    const doubts = this.d.journal.inDoubt().filter((c) => !this.inflight.has(c.instruction.command_id));
    if (doubts.length) this.d.log.warn(`${doubts.length} command(s) in doubt from a previous run: checking the broker`);
    return Promise.all(doubts.map((c) => this.run(c.instruction, true))).then(() => undefined);
  }

  private run(i: Instruction, inDoubt: boolean): Promise<void> {
    const p = this.execute(i, inDoubt)
      .then((result) => {
        if (result) this.finish(i, result);
      })
      .finally(() => this.inflight.delete(i.command_id));
    this.inflight.set(i.command_id, p);
    return p;
  }

  private finish(i: Instruction, result: TradeResult): void {
    const err: TradeErrorFrame | undefined =
      !result.ok && result.error
        ? {
            type: "TRADE_ERROR",
            id: `err:${i.command_id}`,
            command_id: i.command_id,
            client_order_id: i.client_order_id,
            action: resultAction(i),
            error: result.error,
            at: result.executed_at,
            ...(i.kind === "open" ? { symbol: i.symbol } : {}),
          }
        : undefined;
    // One journal step (one write, one sync) for the result and its TRADE_ERROR, then both go out.
    this.d.journal.recordResult(result, err);
    this.d.emit(result);
    if (err) this.d.emit(err);
    const what = result.ok
      ? `ok ticket ${result.ticket ?? "-"}${result.recovered ? " (recovered)" : ""}`
      : `failed: ${result.error?.code} ${result.error?.message}`;
    this.d.log.info(`${i.source} ${i.command_id} (${i.client_order_id}) ${what}`);
  }

  /** Resolves to the result, or null if the connector stopped before the outcome was known. */
  private async execute(i: Instruction, inDoubt: boolean): Promise<TradeResult | null> {
    let doubtSince = Date.now();
    let missingSince: number | null = null;
    for (;;) {
      if (this.stopped) return null;
      try {
        if (inDoubt) {
          const found = await this.lookup(i);
          if (found === PENDING) {
            this.d.log.info(`${i.command_id}: the order is active at the broker (not filled yet); waiting for it`);
            doubtSince = Date.now();
            await sleep(this.d.retryDelayMs ?? 1000);
            continue;
          }
          if (found) return found;
          if (Date.now() - doubtSince < (this.d.lookupSettleMs ?? 3000)) {
            await sleep(Math.min(this.d.retryDelayMs ?? 1000, 250));
            continue;
          }
        }
      } catch (e) {
        // Cannot tell what happened yet (no terminal): wait; never guess.
        this.d.log.warn(`${i.command_id}: broker not reachable to check (${errText(e)}); retrying`);
        await sleep(this.d.retryDelayMs ?? 1000);
        continue;
      }
      if (this.d.now() > i.expires_at)
        return this.failure(i, {
          code: "expired",
          message: `expired before it could run (expires_at ${i.expires_at})`,
        });
      try {
        return await this.attempt(i);
      } catch (e) {
        // The broker says the position was closed meanwhile (MT5 10036: its SL/TP hit, closed by
        // hand) while our list still showed it: sending again cannot help; the lookup finds the
        // deal that closed it once the lists catch up.
        if (e instanceof BrokerError && e.code === "not_found" && e.brokerCode === "10036" && i.kind === "close") {
          inDoubt = true;
          doubtSince = Date.now();
          continue;
        }
        // A position just opened (or just closed) may not be listed yet: "no such position" is
        // final only once the lists had lookupSettleMs to catch up. Nothing was sent meanwhile.
        if (
          e instanceof BrokerError &&
          !e.uncertain &&
          e.code === "not_found" &&
          Date.now() - (missingSince ??= Date.now()) < (this.d.lookupSettleMs ?? 3000)
        ) {
          await sleep(Math.min(this.d.retryDelayMs ?? 1000, 250));
          continue;
        }
        if (
          e instanceof BrokerError &&
          !e.uncertain &&
          e.code === "terminal_unavailable" &&
          this.d.now() <= i.expires_at
        ) {
          // Nothing reached the broker: the command's TTL says how long it may wait for the terminal.
          await sleep(this.d.retryDelayMs ?? 1000);
          continue;
        }
        if (e instanceof BrokerError && !e.uncertain) {
          return this.failure(i, {
            code: e.code,
            message: e.message,
            ...(e.brokerCode ? { broker_code: e.brokerCode } : {}),
          });
        }
        this.d.log.warn(`${i.command_id}: outcome unknown (${errText(e)}); will check the broker by client id`);
        inDoubt = true;
        doubtSince = Date.now();
        await sleep(this.d.retryDelayMs ?? 1000);
      }
    }
  }

  private async attempt(i: Instruction): Promise<TradeResult> {
    const b = this.d.broker;
    const base = this.base(i);
    // The command's expiry on the local clock: the terminal refuses to send it after that.
    const deadline = Date.now() + (i.expires_at - this.d.now());
    switch (i.kind) {
      case "open": {
        this.sent.open++;
        const fill = await b.open({
          client_order_id: i.client_order_id,
          symbol: i.symbol,
          side: i.side,
          volume: i.volume,
          sl: i.sl,
          tp: i.tp,
          deadline,
        });
        return {
          ...base,
          ok: true,
          ticket: fill.ticket,
          symbol: i.symbol,
          side: i.side,
          price: fill.price,
          volume: fill.volume,
          sl: i.sl,
          tp: i.tp,
          executed_at: fill.time,
        };
      }
      case "close": {
        const pos = (await b.positions()).find((p) => p.ticket === i.ticket);
        if (!pos) {
          const closed = await this.closedAlready(i);
          if (closed) return closed;
          throw new BrokerError("not_found", `no open position ${i.ticket}`);
        }
        this.sent.close++;
        const fill = await b.close(i.ticket, i.client_order_id, i.volume, deadline);
        return {
          ...base,
          ok: true,
          ticket: i.ticket,
          symbol: pos.symbol,
          side: pos.side,
          price: fill.price,
          volume: fill.volume,
          executed_at: fill.time,
        };
      }
      case "modify":
      case "breakeven": {
        const pos = (await b.positions()).find((p) => p.ticket === i.ticket);
        if (!pos) throw new BrokerError("not_found", `no open position ${i.ticket}`);
        const target = this.modifyTarget(i, pos);
        this.sent.modify++;
        const r = await b.modify(i.ticket, target.sl, target.tp, deadline);
        return {
          ...base,
          ok: true,
          ticket: i.ticket,
          symbol: pos.symbol,
          side: pos.side,
          sl: r.sl,
          tp: r.tp,
          executed_at: this.d.now(),
        };
      }
    }
  }

  private modifyTarget(
    i: Extract<Instruction, { kind: "modify" | "breakeven" }>,
    pos: { side: "BUY" | "SELL"; open_price: number },
  ) {
    if (i.kind === "modify") return { sl: i.sl, tp: i.tp };
    return { sl: pos.side === "BUY" ? pos.open_price + i.offset : pos.open_price - i.offset, tp: undefined };
  }

  /** What the broker shows for an instruction whose outcome is unknown; null: not (yet) there; PENDING: accepted, not filled. */
  private async lookup(i: Instruction): Promise<TradeResult | typeof PENDING | null> {
    this.sent.lookups++;
    const b = this.d.broker;
    const base = { ...this.base(i), recovered: true };
    const received = this.d.journal.command(i.command_id)?.receivedAt ?? this.d.now();
    if (i.kind === "open") {
      const pos = (await b.positions()).find((p) => matchesClientId(p.magic, p.comment, i.client_order_id));
      if (pos) {
        return {
          ...base,
          ok: true,
          ticket: pos.ticket,
          symbol: pos.symbol,
          side: pos.side,
          price: pos.open_price,
          volume: pos.volume,
          sl: pos.sl,
          tp: pos.tp,
          executed_at: pos.opened_at,
        };
      }
      const deals = await b.history({ from: received - HISTORY_SLACK_MS, client_order_id: i.client_order_id });
      // "inout": a reversal on a netting account is also the deal that opened this order's position.
      const deal = deals.find(
        (d) => (d.entry === "in" || d.entry === "inout") && matchesClientId(d.magic, d.comment, i.client_order_id),
      );
      if (!deal) {
        const orders = b.orders ? await b.orders() : [];
        return orders.some((o) => matchesClientId(o.magic, o.comment, i.client_order_id)) ? PENDING : null;
      }
      // Opened and already closed again (SL/TP or by hand): still the answer to this command.
      return {
        ...base,
        ok: true,
        ticket: deal.position_ticket,
        symbol: deal.symbol,
        side: deal.side,
        price: deal.price,
        volume: deal.volume,
        sl: i.sl,
        tp: i.tp,
        executed_at: deal.time,
      };
    }
    if (i.kind === "close") {
      if ((await b.positions()).some((p) => p.ticket === i.ticket && (i.volume === undefined || p.volume > 0))) {
        return i.volume === undefined ? null : this.partialCloseFound(i, received);
      }
      return this.closedAlready(i);
    }
    const pos = (await b.positions()).find((p) => p.ticket === i.ticket);
    if (!pos) return null;
    const t = this.modifyTarget(i, pos);
    const same = (want: number | null | undefined, have: number | null) =>
      want === undefined || (want ?? null) === have;
    return same(t.sl, pos.sl) && same(t.tp, pos.tp)
      ? {
          ...base,
          ok: true,
          ticket: i.ticket,
          symbol: pos.symbol,
          side: pos.side,
          sl: pos.sl,
          tp: pos.tp,
          executed_at: this.d.now(),
        }
      : null;
  }

  /** A partial close leaves the position open: look for our closing deal instead. */
  private async partialCloseFound(
    i: Extract<Instruction, { kind: "close" }>,
    received: number,
  ): Promise<TradeResult | null> {
    const deals = await this.d.broker.history({
      from: received - HISTORY_SLACK_MS,
      position_ticket: i.ticket,
      client_order_id: i.client_order_id,
    });
    const d = deals.find(
      (x) =>
        x.entry !== "in" &&
        x.position_ticket === i.ticket &&
        x.time >= received - 60_000 &&
        matchesClientId(x.magic, x.comment, i.client_order_id),
    );
    return d
      ? {
          ...this.base(i),
          recovered: true,
          ok: true,
          ticket: i.ticket,
          symbol: d.symbol,
          price: d.price,
          volume: d.volume,
          executed_at: d.time,
        }
      : null;
  }

  /** The position is gone: report the deal that closed it. */
  private async closedAlready(i: Extract<Instruction, { kind: "close" }>): Promise<TradeResult | null> {
    const received = this.d.journal.command(i.command_id)?.receivedAt ?? this.d.now();
    const deals = await this.d.broker.history({ from: received - 30 * HISTORY_SLACK_MS, position_ticket: i.ticket });
    const out = deals.filter((d) => d.position_ticket === i.ticket && d.entry !== "in");
    const last = out[out.length - 1];
    if (!last) return null;
    return {
      ...this.base(i),
      recovered: true,
      ok: true,
      ticket: i.ticket,
      symbol: last.symbol,
      price: last.price,
      volume: out.reduce((s, d) => s + d.volume, 0),
      executed_at: last.time,
    };
  }

  private base(i: Instruction) {
    return {
      type: "TRADE_RESULT" as const,
      id: `res:${i.command_id}`,
      command_id: i.command_id,
      client_order_id: i.client_order_id,
      action: resultAction(i),
    };
  }

  private failure(i: Instruction, error: TradeError): TradeResult {
    return {
      ...this.base(i),
      ok: false,
      error,
      executed_at: this.d.now(),
      ...(i.kind === "open" ? { symbol: i.symbol, side: i.side } : { ticket: i.ticket }),
    };
  }
}

function errText(e: unknown): string {
  return errorMessage(e);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
