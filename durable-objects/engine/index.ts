import { utcDayStart } from "../../core/decision/gates";
import { botOrderIntent } from "../../core/decision/order";
import type { Bar } from "../../core/market/bar";
import type { PositionView } from "../../core/protocol/events";
import type { OrderIntent } from "../../core/protocol/orders";
import type {
  AutoTradingHealth,
  BotRunStatus,
  CycleResult,
  ExecutionResult,
  ManualTradeRequest,
  PortfolioStatus,
} from "../../core/protocol/portfolio-api";
import type { PositionCommandOutcome, PositionCommandRequest } from "../../core/protocol/position-commands";
import type { BotInfo } from "../../platform/bots/bot-ref";
import { activeBots } from "../../platform/bots/store";
import { db } from "../../platform/db/client";
import { recordCycle, recordTrade } from "../../platform/metrics";
import { alarmClock } from "../alarm/alarm-clock";
import { barStamp, checkAfter, replayBarMs } from "./bar-checks";
import { CycleRunner, clientOrderId } from "./cycle-runner";
import { EngineCore, type EngineDeps } from "./engine";
import { BROWSER_TAG } from "./fanout";
import { paperCommand } from "./paper-commands";
import { type BotRef, botRef, type Predictor, predictionUnavailable } from "./prediction-port";

type Refusal = { ok: false; reason: string; message: string };

/** A blocking gate's refusal of an order placed by hand, saying how to place it anyway. */
const overridable = (block: { reason: string; message: string }): Refusal => ({
  ok: false,
  reason: block.reason,
  message: `${block.message} (send override: true to place it anyway)`,
});

/** Live marks while a browser listens; bar checks (SL/TP on closed bars) otherwise. */
export const TICK_MS = 1000;
export const BAR_CHECK_MS = 60_000;
/** A connector order's D1 rows wait this long for its result before the alarm flushes them alone. */
export const RESULT_FLUSH_WAIT_MS = 1000;
/** A cycle started but not finished for this long is reported stuck. */
export const STUCK_MS = 5 * 60_000;
/** Outbox rows older than this mean D1 writes are failing. */
export const OUTBOX_BACKLOG_MS = 60_000;

export interface EngineHostDeps extends EngineDeps {
  /** Closed base-timeframe bars of `symbol` opened after `after` (the object's bar store). */
  newBars: (symbol: string, after: number) => Promise<Bar[]>;
  /** Duration of those bars (ms), null if unknown; default: the replay symbol's base timeframe. */
  barMs?: (symbol: string) => number | null;
  predictor?: Predictor;
  /** The user's active bots (D1); injectable so the cycle logic can be tested without a D1 fixture. */
  loadBots?: (userId: string) => Promise<BotRef[]>;
}

export type { BotInfo };

/** The engine as the object uses it: cycles, alarm, manual trades, views and health. */
export class Engine {
  readonly core: EngineCore;
  readonly runner: CycleRunner;
  private readonly loadBots: (userId: string) => Promise<BotRef[]>;
  private readonly barMs: (symbol: string) => number | null;

  constructor(private readonly deps: EngineHostDeps) {
    this.core = new EngineCore(deps);
    this.runner = new CycleRunner(this.core, deps.predictor ?? predictionUnavailable);
    this.barMs = deps.barMs ?? replayBarMs;
    this.loadBots =
      deps.loadBots ??
      (async (userId) => (await activeBots(db(deps.env), userId)).map(({ row, config }) => botRef(row, config)));
  }

  set predictor(p: Predictor) {
    this.runner.predictor = p;
  }

  /** Cron or trigger: run due (or, with force, all) active bots one after another, flush, re-arm the alarm. */
  async runCycles(opts: { firedAt: number; force?: boolean; bots?: BotRef[] }): Promise<CycleResult[]> {
    const userId = this.core.userId;
    if (!userId) return [];
    // The cron passes the bots it just read for a group of users (one D1 query for the group).
    if (opts.bots?.some((b) => b.userId !== userId)) throw new Error("runCycles: bots of another user");
    const bots = opts.bots ?? (await this.loadBots(userId));
    this.runner.syncBots(bots);
    const results: CycleResult[] = [];
    for (const bot of bots) {
      if (!opts.force && !this.runner.isDue(bot.id, opts.firedAt)) continue;
      const started = Date.now();
      const result = await this.runner.runBot(bot, { force: opts.force ?? false });
      recordCycle(result.outcome, result.reason, Date.now() - started);
      if (result.outcome === "traded") recordTrade(bot.target);
      results.push(result);
    }
    await this.core.flush();
    await this.arm();
    return results;
  }

  /**
   * Executes the bot's current plan now (manual flow): same path and same client order id as the
   * cycle, past the cycle's entry gate (max open, cooldown, daily limit, protections). A blocking gate refuses with
   * its reason unless `override` is set; then the trade carries override: true and the activity
   * says which gate it passed.
   */
  async executePlan(
    bot: BotRef,
    opts: { override?: boolean } = {},
  ): Promise<{ ok: true; result: ExecutionResult } | Refusal> {
    const outcome = await this.runner.predictor(bot, { force: false });
    if (!outcome.ok) return { ok: false, reason: outcome.reason, message: outcome.message };
    const p = outcome.prediction;
    if (!p.plan)
      return {
        ok: false,
        reason: "no_plan",
        message: `no trade plan for bar ${new Date(p.barTime).toISOString()}: ${p.reason}`,
      };
    const plan = p.plan;
    const cid = clientOrderId(bot.id, p.barTime);
    // A repeat of an executed plan answers as the duplicate it is (below), before any gate.
    const block = this.core.book.byClientOrderId(cid)
      ? null
      : this.runner.entryBlock(bot, this.core.marketNow(bot.symbol, bot.target));
    if (block && !opts.override) return overridable(block);
    const r = this.core.write((tx) => {
      const now = this.core.clock();
      this.core.sql.exec(
        `INSERT INTO engine_cycles (bot_id, bar_time, decided_at, outcome, reason, client_order_id) VALUES (?, ?, ?, 'manual', 'executed by user', ?) ON CONFLICT DO NOTHING`,
        bot.id,
        p.barTime,
        now,
        cid,
      );
      this.core.recordPrediction(tx, p, true, "executed by user");
      return this.core.execute(tx, botOrderIntent(bot.config, bot.symbol, plan, cid), {
        botId: bot.id,
        target: bot.target,
        source: "manual",
        fallbackMid: plan.entry,
        ...(block ? { override: block.message } : {}),
      });
    });
    return { ok: true, result: await this.settleOrder(r, bot.id) };
  }

  /**
   * A market order by hand. With `bot` (the order is the bot's): the bot's gates apply as in
   * executePlan, `override` passes them on the record; without, no bot gate applies.
   */
  async manualTrade(req: ManualTradeRequest, bot?: BotRef): Promise<{ ok: true; result: ExecutionResult } | Refusal> {
    const { target, bot_id: _b, override, ...intent } = req;
    // A retry of an executed order answers as its duplicate (or conflict) in execute(), before any gate.
    const retry = this.core.book.byClientOrderId(req.client_order_id);
    const block = bot && !retry ? this.runner.entryBlock(bot, this.core.marketNow(bot.symbol, bot.target)) : null;
    if (block && !override) return overridable(block);
    const r = this.core.write((tx) =>
      this.core.execute(tx, intent, {
        botId: bot?.id ?? null,
        target: bot?.target ?? target,
        source: "manual",
        ...(block ? { override: block.message } : {}),
      }),
    );
    return { ok: true, result: await this.settleOrder(r, bot?.id ?? null) };
  }

  /**
   * The one path for position commands (close, partial close, modify, stop, breakeven, cancel):
   * a paper position changes here at once; every other id goes to `connector` (the hub: connector
   * trades and terminal positions). Both remember the client id inside their transaction.
   */
  async positionCommand(
    positionId: string,
    req: PositionCommandRequest,
    connector: (id: string, req: PositionCommandRequest) => Promise<PositionCommandOutcome>,
  ): Promise<PositionCommandOutcome> {
    const core = this.core;
    const entry = core.book.byId(positionId);
    if (entry?.trade.target !== "paper") return connector(positionId, req);
    const out = core.write((tx): PositionCommandOutcome => {
      const dup = core.commandIds.seen(positionId, req);
      if (dup) return dup;
      const o = paperCommand(core, tx, entry, positionId, req);
      if (o.ok) core.commandIds.remember(positionId, req, o.accepted, core.clock());
      return o;
    });
    await this.afterChange();
    return out;
  }

  /**
   * After an order committed: send it (connector target), then flush the outbox to D1. When the
   * command went out on a live connector socket, the flush waits for its TRADE_RESULT instead
   * (applying it flushes): one D1 batch for the pending row and the fill, and no D1 write between
   * command and result, where locally it held the result up. The alarm flushes if no result comes.
   */
  private async settleOrder(
    r: ExecutionResult & { dispatch?: OrderIntent },
    botId: string | null,
  ): Promise<ExecutionResult> {
    const { dispatch, ...executed } = r;
    if (!dispatch) {
      await this.afterChange();
      return executed;
    }
    const { resultDue, ...result } = await this.core.dispatch(dispatch, botId);
    if (resultDue) await this.arm(RESULT_FLUSH_WAIT_MS);
    else await this.afterChange();
    return result;
  }

  /** The one alarm: flush the outbox, check closed bars and live marks, run due bots, re-arm. */
  async onAlarm(): Promise<void> {
    const now = this.core.clock();
    if ((this.core.outbox.stats(now).nextAttemptAt ?? Infinity) <= now) await this.core.flush();
    await this.checkPositions();
    const due = this.runner.earliestDue();
    if (due !== null && due <= now) await this.runCycles({ firedAt: now });
    else await this.core.flush();
    await this.arm();
  }

  /** Closed bars since the last check, then (with a browser listening) a live tick. */
  async checkPositions(): Promise<void> {
    const symbols = [...new Set(this.core.paper.engine.positions().map((p) => p.symbol))];
    for (const symbol of symbols) {
      const mark = this.core.sql
        .exec<{ t: number }>(`SELECT last_bar_time AS t FROM engine_bar_marks WHERE symbol = ?`, symbol)
        .toArray()[0]?.t;
      const openTimes = this.core.paper.engine
        .positions()
        .filter((p) => p.symbol === symbol)
        .map((p) => p.openTime);
      const barMs = this.barMs(symbol);
      // From the entry's own bar onward (bar-checks.ts): the backtester's rule.
      const bars = await this.deps.newBars(symbol, checkAfter(mark, Math.min(...openTimes), barMs));
      for (const b of bars)
        this.core.processBar({
          symbol,
          time: barStamp(b.time, barMs, openTimes),
          open: b.open,
          high: b.high,
          low: b.low,
          close: b.close,
        });
      const last = bars.at(-1);
      if (last)
        this.core.sql.exec(
          `INSERT INTO engine_bar_marks (symbol, last_bar_time) VALUES (?, ?) ON CONFLICT (symbol) DO UPDATE SET last_bar_time = excluded.last_bar_time`,
          symbol,
          last.time,
        );
    }
    if (symbols.length > 0 && this.browsers() > 0) this.core.tick();
  }

  /** Sets the alarm to the earliest of: a bot due, an outbox retry (not before `outboxDelayMs`), a live tick or bar check. */
  async arm(outboxDelayMs = 0): Promise<number | null> {
    const now = this.core.clock();
    const candidates: number[] = [];
    const due = this.runner.earliestDue();
    if (due !== null) candidates.push(Math.max(due, now));
    const ob = this.core.outbox.stats(now);
    if (ob.pending > 0 && ob.nextAttemptAt !== null) candidates.push(Math.max(ob.nextAttemptAt, now + outboxDelayMs));
    if (this.core.paper.engine.account().openPositions > 0)
      candidates.push(now + (this.browsers() > 0 ? TICK_MS : BAR_CHECK_MS));
    if (candidates.length === 0) return null;
    const at = Math.min(...candidates);
    await alarmClock(this.core.ctx.storage).noLaterThan(at, now);
    return at;
  }

  /** After a browser connects: make sure live marks start (the alarm does them). */
  async onBrowserConnected(): Promise<void> {
    await this.arm();
  }

  private browsers(): number {
    return this.core.ctx.getWebSockets(BROWSER_TAG).length;
  }

  private async afterChange(): Promise<void> {
    await this.core.flush();
    await this.arm();
  }

  // ---- views -----------------------------------------------------------------------------------

  portfolio(): PortfolioStatus {
    return { account: this.core.accountView(), positions: this.core.openPositions(), as_of: this.core.marketTime() };
  }

  positions(): PositionView[] {
    return this.core.openPositions();
  }

  status(bots: readonly BotInfo[]): BotRunStatus[] {
    return bots.map((b) => this.runner.statusOf(b));
  }

  activeBots(bots: readonly BotInfo[]) {
    const open = this.core.openPositions();
    return bots.map((b) => {
      const s = this.runner.statusOf(b);
      const mine = open.filter((p) => p.bot_id === b.id);
      return {
        bot_id: b.id,
        name: b.name,
        symbol: b.symbol,
        target: b.target,
        last_result: s.last_result,
        last_reason: s.last_reason,
        next_due_at: s.next_due_at,
        open_positions: mine.length,
        unrealized_pnl: Math.round(mine.reduce((a, p) => a + p.unrealized_pnl, 0) * 100) / 100,
        trades_today: this.core.book.executions(b.id, utcDayStart(this.core.marketNow(b.symbol, b.target))).today,
      };
    });
  }

  /** Real checks only: cycle age vs cadence, unfinished cycles, outbox backlog and dead rows, model health. */
  health(bots: readonly BotInfo[]): AutoTradingHealth {
    const now = this.core.clock();
    const problems: AutoTradingHealth["problems"] = [];
    for (const b of bots) {
      const s = this.runner.statusOf(b);
      const cadenceMs = b.cadence * 60_000;
      const lastRun = s.last_finished_at ?? null;
      const reference = lastRun ?? b.updatedAt;
      if (now - reference > 2 * cadenceMs + 60_000) {
        problems.push({
          bot_id: b.id,
          check: "stale",
          message:
            lastRun === null
              ? `never ran in ${Math.round((now - reference) / 60_000)} min (cadence ${b.cadence} min)`
              : `last cycle ${Math.round((now - lastRun) / 60_000)} min ago (cadence ${b.cadence} min)`,
        });
      }
      if (
        s.last_started_at !== null &&
        s.last_started_at > (s.last_finished_at ?? 0) &&
        now - s.last_started_at > STUCK_MS
      ) {
        problems.push({
          bot_id: b.id,
          check: "stuck",
          message: `cycle started ${Math.round((now - s.last_started_at) / 1000)} s ago and has not finished`,
        });
      }
      if (s.last_result === "error")
        problems.push({ bot_id: b.id, check: "last_error", message: s.last_reason ?? "last cycle failed" });
      const models = this.core.meta.get(`models:${b.id}`);
      if (models) {
        const m = JSON.parse(models) as { healthy: number; total: number; errors: string[] };
        if (m.healthy < m.total)
          problems.push({
            bot_id: b.id,
            check: "unhealthy_models",
            message: `${m.total - m.healthy} of ${m.total} models failed: ${m.errors.join("; ").slice(0, 300)}`,
          });
      }
    }
    const ob = this.core.outbox.stats(now);
    if (ob.pending > 0 && (ob.oldestAgeMs ?? 0) > OUTBOX_BACKLOG_MS)
      problems.push({
        bot_id: null,
        check: "outbox_backlog",
        message: `${ob.pending} rows waiting for D1, oldest ${Math.round((ob.oldestAgeMs ?? 0) / 1000)} s`,
      });
    if (ob.dead > 0)
      problems.push({
        bot_id: null,
        check: "outbox_dead",
        message: `${ob.dead} rows parked after repeated D1 failures`,
      });
    const activeCount = bots.filter((b) => b.active).length;
    return {
      status: activeCount === 0 && problems.length === 0 ? "idle" : problems.length > 0 ? "degraded" : "healthy",
      checked_at: now,
      active_bots: activeCount,
      outbox: { pending: ob.pending, dead: ob.dead, oldest_age_ms: ob.oldestAgeMs },
      problems,
    };
  }
}
