import { type CycleSignals, cycleSignals, hasCycleExits, planExits } from "../../core/decision/exits";
import { checkGates, type GateCounts, utcDayStart } from "../../core/decision/gates";
import { botOrderIntent } from "../../core/decision/order";
import {
  hasProtections,
  type ProtectionLock,
  protectionHorizonMs,
  protectionLock,
} from "../../core/decision/protections";
import type { Protections } from "../../core/protocol/bot-config";
import type { BotRunStatus, CycleResult } from "../../core/protocol/portfolio-api";
import { errorMessage } from "../../core/util/error-message";
import type { EngineCore } from "./engine";
import { nextSlot } from "./gates";
import { backoffMs } from "./outbox";
import type { BotRef, Predictor } from "./prediction-port";
import type { BookEntry } from "./trade-book";

type BotRow = {
  bot_id: string;
  next_due_at: number | null;
  last_started_at: number | null;
  last_finished_at: number | null;
  last_result: string | null;
  last_reason: string | null;
  last_bar_time: number | null;
  failures: number;
};

/** Deterministic per (bot, bar close): retries and double fires reuse it, so the paper engine and the broker dedupe. */
export const clientOrderId = (botId: string, barTime: number) => `${botId}:${barTime}`;

/**
 * One bot's auto-trading cycle: cooldown -> daily limit -> max open positions -> prediction (ensemble + strategy) ->
 * confidence threshold -> execute. The decision row (engine_cycles, unique per bot and bar) is
 * written in the same transaction as the order, so a double fire or an alarm retry for the same
 * bar finds it and does nothing. Every step and skip lands in the activity feed.
 */
export class CycleRunner {
  private readonly running = new Set<string>();

  constructor(
    private readonly core: EngineCore,
    public predictor: Predictor,
  ) {}

  schedule(botId: string): BotRow | undefined {
    return this.core.sql.exec<BotRow>(`SELECT * FROM engine_bots WHERE bot_id = ?`, botId).toArray()[0];
  }

  /** Keeps engine_bots in step with the active bots (new bots are due now; inactive ones dropped). */
  syncBots(bots: readonly BotRef[]): void {
    const ids = new Set(bots.map((b) => b.id));
    for (const r of this.core.sql.exec<{ bot_id: string }>(`SELECT bot_id FROM engine_bots`).toArray()) {
      if (!ids.has(r.bot_id)) this.core.sql.exec(`DELETE FROM engine_bots WHERE bot_id = ?`, r.bot_id);
    }
    for (const b of bots)
      this.core.sql.exec(`INSERT INTO engine_bots (bot_id) VALUES (?) ON CONFLICT DO NOTHING`, b.id);
  }

  isDue(botId: string, at: number): boolean {
    const r = this.schedule(botId);
    return !r || r.next_due_at === null || r.next_due_at <= at;
  }

  earliestDue(): number | null {
    return this.core.sql.exec<{ t: number | null }>(`SELECT MIN(COALESCE(next_due_at, 0)) AS t FROM engine_bots`).one()
      .t;
  }

  statusOf(bot: {
    id: string;
    name: string;
    symbol: string;
    active: boolean;
    cadence: number;
    target: BotRef["target"];
    protections: Protections;
  }): BotRunStatus {
    const r = this.schedule(bot.id);
    const lock = this.protectionLockOf(bot, this.core.marketNow(bot.symbol, bot.target));
    return {
      bot_id: bot.id,
      name: bot.name,
      symbol: bot.symbol,
      active: bot.active,
      cadence_minutes: bot.cadence,
      last_started_at: r?.last_started_at ?? null,
      last_finished_at: r?.last_finished_at ?? null,
      last_result: (r?.last_result as BotRunStatus["last_result"]) ?? null,
      last_reason: r?.last_reason ?? null,
      last_bar_time: r?.last_bar_time ?? null,
      next_due_at: r?.next_due_at ?? null,
      paused: lock && { protection: lock.protection, until: lock.until, message: lock.message },
    };
  }

  async runBot(bot: BotRef, opts: { force: boolean }): Promise<CycleResult> {
    if (this.running.has(bot.id))
      return { bot_id: bot.id, outcome: "skipped", reason: "already_running", bar_time: null, trade_id: null };
    this.running.add(bot.id);
    const core = this.core;
    const started = core.clock();
    core.sql.exec(
      `INSERT INTO engine_bots (bot_id, last_started_at) VALUES (?, ?) ON CONFLICT (bot_id) DO UPDATE SET last_started_at = excluded.last_started_at`,
      bot.id,
      started,
    );
    // Market time of the bot (the replay clock for paper on a replayed market): gates, days and the feed's times.
    const at = () => core.marketNow(bot.symbol, bot.target);
    try {
      const cfg = bot.config;
      // On a netting MT5 account every order nets against whatever the symbol holds (manual
      // positions, other bots): the connector and its EA refuse such accounts, so no cycle sends there.
      const account = bot.target === "connector" ? core.connector.marginMode() : null;
      if (account && account !== "hedging") {
        return this.finishSkip(
          bot,
          "account_mode",
          cfg.execution.positionMode === "hedging"
            ? `the MT5 account is a ${account} account: a hedging bot cannot trade it (its orders would net against each other and any manual position); use a hedging account`
            : `the MT5 account is a ${account} account: the connector trades hedging accounts only (an order there would net against any position on the symbol, manual ones included), even for a netting bot; use a hedging account`,
          null,
        );
      }
      // Exits first (core/decision/exits.ts, as the backtester): with open positions and cycle exits
      // configured the bar is decided even while an entry gate is closed; no gate blocks an exit.
      const open = core.book.openOf(bot.id);
      const exitsDue = hasCycleExits(cfg) && open.length > 0;
      if (!exitsDue) {
        const blocked = this.entryBlock(bot, at(), 0);
        if (blocked) return this.finishSkip(bot, blocked.reason, blocked.message, null);
      }
      const outcome = await this.predictor(bot, { force: opts.force });
      if (!outcome.ok) return this.finishSkip(bot, outcome.reason, outcome.message, null);
      const p = outcome.prediction;
      let closesQueued = false;
      const decided = core.write((tx) => {
        const now = core.clock();
        const fresh = core.sql
          .exec(
            `INSERT INTO engine_cycles (bot_id, bar_time, decided_at, outcome, reason) VALUES (?, ?, ?, 'deciding', '') ON CONFLICT DO NOTHING RETURNING bot_id`,
            bot.id,
            p.barTime,
            now,
          )
          .toArray().length;
        if (!fresh) {
          const msg = `already decided for bar ${new Date(p.barTime).toISOString()}; nothing done`;
          core.activity(tx, "skip", bot.id, msg, { reason: "already_decided", bar_time: p.barTime }, at());
          return this.finish(
            tx,
            bot,
            { bot_id: bot.id, outcome: "duplicate", reason: "already_decided", bar_time: p.barTime, trade_id: null },
            now,
          );
        }
        const threshold = cfg.execution.confidenceThreshold;
        const below = p.direction !== "HOLD" && p.confidence < threshold;
        let actionable = p.plan !== null && p.direction !== "HOLD" && !below;
        let reason = below
          ? `below_threshold: confidence ${p.confidence.toFixed(3)} < ${threshold}`
          : actionable
            ? "ok"
            : p.reason;
        let code = below ? "below_threshold" : reason;
        const signals: CycleSignals = cycleSignals(p);
        const skip = (why: string, message: string) => {
          core.activity(tx, "skip", bot.id, message, { reason: why, bar_time: p.barTime }, at());
          core.sql.exec(
            `UPDATE engine_cycles SET outcome = 'skipped', reason = ? WHERE bot_id = ? AND bar_time = ?`,
            why,
            bot.id,
            p.barTime,
          );
          return this.finish(
            tx,
            bot,
            { bot_id: bot.id, outcome: "skipped", reason: why, bar_time: p.barTime, trade_id: null },
            now,
          );
        };
        core.recordPrediction(tx, p, actionable, reason);
        core.activity(
          tx,
          "prediction",
          bot.id,
          `${p.symbol} ${p.direction} ${(p.confidence * 100).toFixed(1)}% (bar ${new Date(p.barTime).toISOString()})`,
          {
            bar_time: p.barTime,
            direction: p.direction,
            confidence: p.confidence,
            strategy: p.strategy.reason,
          },
          at(),
        );
        // The positions the exits act on: those of the bot's symbol (a bot trades one).
        const mine = open.filter((e) => e.trade.symbol === bot.symbol);
        const plan = planExits(
          cfg,
          exitsDue
            ? mine.map((e) => ({ id: e.trade.id, side: e.trade.side, openTime: e.trade.opened_at ?? e.executedAt }))
            : [],
          signals,
          at(),
        );
        let closed = 0;
        for (const x of plan.exits) {
          const e = mine.find((m) => m.trade.id === x.id) as BookEntry;
          if (core.exitPosition(tx, e, x.reason, x.message)) {
            closed++;
            if (e.trade.target === "connector") closesQueued = true;
          }
        }
        if (signals.entry && !plan.entry && actionable) {
          actionable = false;
          code = "direction";
          reason = plan.entryBlocked ?? "entry not allowed";
          return skip(code, `no trade: ${reason}`);
        }
        if (exitsDue && actionable) {
          const blocked = this.entryBlock(bot, at(), closed);
          if (blocked) return skip(blocked.reason, blocked.message);
        }
        if (!actionable || !p.plan) {
          return skip(code, `no trade: ${reason}`);
        }
        const cid = clientOrderId(bot.id, p.barTime);
        const r = core.execute(tx, botOrderIntent(cfg, bot.symbol, p.plan, cid), {
          botId: bot.id,
          target: bot.target,
          source: "bot",
          fallbackMid: p.plan.entry,
        });
        const outcome: CycleResult["outcome"] =
          r.status === "filled"
            ? "traded"
            : r.status === "pending"
              ? "pending"
              : r.status === "duplicate"
                ? "duplicate"
                : "error";
        const why = r.status === "filled" || r.status === "pending" ? "executed" : (r.reason ?? r.status);
        if (r.trade && (r.status === "filled" || r.status === "pending"))
          core.emit(tx, "AUTO_TRADE_EXECUTED", { bot_id: bot.id, bar_time: p.barTime, trade: r.trade });
        core.sql.exec(
          `UPDATE engine_cycles SET outcome = ?, reason = ?, client_order_id = ? WHERE bot_id = ? AND bar_time = ?`,
          outcome,
          why,
          cid,
          bot.id,
          p.barTime,
        );
        return {
          result: this.finish(
            tx,
            bot,
            { bot_id: bot.id, outcome, reason: why, bar_time: p.barTime, trade_id: r.trade?.id ?? null },
            now,
          ),
          dispatch: r.dispatch,
        };
      });
      if (closesQueued) await core.connector.sendQueued();
      if ("result" in decided) {
        if (decided.dispatch) {
          const sent = await core.dispatch(decided.dispatch, bot.id);
          if (sent.status === "error")
            return { ...decided.result, outcome: "error", reason: sent.reason ?? "dispatch failed" };
        }
        return decided.result;
      }
      return decided;
    } catch (e) {
      const message = errorMessage(e);
      return core.write((tx) => {
        const now = core.clock();
        const failures = (this.schedule(bot.id)?.failures ?? 0) + 1;
        core.activity(tx, "error", bot.id, `cycle failed: ${message}; retrying`, { failures }, at());
        const retryAt = Math.min(nextSlot(now, bot.config.execution.cadenceMinutes), now + backoffMs(failures));
        return this.finish(
          tx,
          bot,
          { bot_id: bot.id, outcome: "error", reason: message.slice(0, 300), bar_time: null, trade_id: null },
          now,
          { failures, nextDue: retryAt },
        );
      });
    } finally {
      this.running.delete(bot.id);
    }
  }

  /**
   * The one entry gate, for cycles, manual Execute and manual orders of a bot: cooldown, daily
   * limit, max open positions (counts as the backtester's), then the protections; `closedNow` of
   * the bot's positions were just closed in this cycle. Null when an entry may open.
   */
  entryBlock(bot: BotRef, now: number, closedNow = 0): { reason: string; message: string } | null {
    const book = this.core.book;
    const counts: GateCounts = {
      ...book.executions(bot.id, utcDayStart(now)),
      openPositions: book.openCount(bot.id) - closedNow,
    };
    const gate = checkGates(bot.config, counts, now);
    if (!gate.ok) return gate;
    const lock = this.protectionLockOf({ id: bot.id, target: bot.target, protections: bot.config.protections }, now);
    return lock ? { reason: "protection", message: lock.message } : null;
  }

  /** The protection pausing the bot's entries at `now` (its market time), or null. */
  protectionLockOf(
    bot: { id: string; target: BotRef["target"]; protections: Protections },
    now: number,
  ): ProtectionLock | null {
    const prot = bot.protections;
    if (!hasProtections(prot)) return null;
    // The drawdown's denominator: the balance of the account the bot trades (as the backtester's).
    const balance =
      bot.target === "connector"
        ? (this.core.connector.brokerBalance() ?? 0)
        : this.core.paper.engine.account().balance;
    return protectionLock(prot, this.core.book.closedSince(bot.id, now - protectionHorizonMs(prot)), balance, now);
  }

  private finishSkip(bot: BotRef, reason: string, message: string, barTime: number | null): CycleResult {
    return this.core.write((tx) => {
      const now = this.core.clock();
      this.core.activity(tx, "skip", bot.id, message, { reason }, this.core.marketNow(bot.symbol, bot.target));
      return this.finish(
        tx,
        bot,
        { bot_id: bot.id, outcome: "skipped", reason, bar_time: barTime, trade_id: null },
        now,
      );
    });
  }

  private finish(
    tx: Parameters<EngineCore["emit"]>[0],
    bot: BotRef,
    result: CycleResult,
    now: number,
    retry?: { failures: number; nextDue: number },
  ): CycleResult {
    const nextDue = retry?.nextDue ?? nextSlot(now, bot.config.execution.cadenceMinutes);
    this.core.sql.exec(
      `UPDATE engine_bots SET last_finished_at = ?, last_result = ?, last_reason = ?, last_bar_time = COALESCE(?, last_bar_time), next_due_at = ?, failures = ? WHERE bot_id = ?`,
      now,
      result.outcome,
      result.reason,
      result.bar_time,
      nextDue,
      retry?.failures ?? 0,
      bot.id,
    );
    this.core.emit(tx, "STATUS_UPDATE", {
      bot_id: bot.id,
      state: result.outcome === "error" ? "error" : "idle",
      last_result: result.outcome,
      last_reason: result.reason,
      next_due_at: nextDue,
    });
    return result;
  }
}
