// The backtester: the live cycle's steps replayed bar by bar over history. Same feature code, same
// ensemble/strategy/threshold/stops/sizing (core/decision decide + planTrade), same gates
// (core/decision/gates), same paper broker (core/paper PaperEngine). What differs from live is only
// WHEN work happens: features once per timeframe and model probabilities in one batch per
// timeframe, both causal, so the per-bar view at decision time t is what live would compute at t.

import {
  type DecisionInputs,
  decide,
  decisionTimeframeOf,
  MIN_DECISION_BARS,
  MIN_MODEL_BARS,
  type ModelInput,
  type ModelOutput,
  planText,
  tradePlan,
} from "../decision/decide";
import { type CycleSignals, cycleSignals, hasCycleExits, type OpenSide, planExits } from "../decision/exits";
import { featureNeeds } from "../decision/feature-needs";
import { gateBlock, gateMessage, utcDayStart } from "../decision/gates";
import { botOrderIntent } from "../decision/order";
import { type ClosedTradeFact, hasProtections, protectionHorizonMs, protectionLock } from "../decision/protections";
import { featureAt } from "../features/compute";
import { FEATURE_COUNT, featureIndex } from "../features/schema";
import { getInstrument } from "../instruments/catalog";
import { roundMoney } from "../instruments/rounding";
import type { InstrumentSpec } from "../instruments/spec";
import type { Bar } from "../market/bar";
import { TIMEFRAME_MS, type Timeframe } from "../market/timeframes";
import { PaperEngine } from "../paper/engine";
import type { CloseReason, Bar as PaperBar } from "../paper/schemas";
import type { BotConfig } from "../protocol/bot-config";
import { strategyNames } from "../strategy/names";
import { checkedPaperBar } from "./bar-check";
import { ClientOrderIds, trustedIntent, trustedMid } from "./order-check";
import { compileRowRule } from "./rule-rows";
import { barsFor, buildSeries, ClosedCursor, type TimeframeSeries } from "./series";
import { SnapshotBuffer } from "./snapshot-buffer";

/**
 * Class probabilities [n, 3] (SELL, HOLD, BUY; row-major) of the model of `timeframe` for n feature
 * rows of f features. null = no model for that timeframe (it counts as a failed model, as live).
 * The CLI passes onnxruntime-node or a TS predictor; the object passes its onnxruntime-web sessions.
 */
export type PredictBatch = (
  timeframe: Timeframe,
  rows: Float32Array,
  n: number,
  f: number,
) => Float32Array | null | Promise<Float32Array | null>;

export type BacktestMode = { kind: "models"; predictBatch: PredictBatch } | { kind: "rules" };

export interface BacktestSetup {
  botId?: string;
  config: BotConfig;
  /** Timeframe of `bars`; every ensemble timeframe is resampled from it, exits are checked on it. */
  baseTimeframe: Timeframe;
  /** Closed base bars, oldest first (validated by the caller, e.g. parseBarsCsv). */
  bars: readonly Bar[];
  mode: BacktestMode;
  instrument?: InstrumentSpec;
  /** Compute every feature on every timeframe instead of only the bot's (tests of the lazy path). */
  allFeatures?: boolean;
}

export interface RunOptions {
  initialBalance?: number;
  accountCurrency?: string;
  slippagePoints?: number;
  spreadPoints?: number;
  /** Decision window [from, to): decisions at bar closes in it, base bars opening in it. */
  from?: number;
  to?: number;
  /** Balance used by risk_pct sizing: the paper account's (default) or a fixed number (live's DEFAULT_SIZING_BALANCE). */
  sizingBalance?: "account" | number;
  /** Keep one record per decision bar (tests, debugging). */
  recordDecisions?: boolean;
  /** Fill rules where backtesters differ (docs/BACKTEST.md "Fill rules"); the defaults are live's. */
  fills?: Partial<FillRules>;
}

export interface FillRules {
  /**
   * A position is exposed to its bar's SL/TP/trailing checks and to exit signals at that bar's
   * close from the bar it opens on (live: the broker watches the stop from the fill). false: not
   * until the next bar (grademark); needs risk.maxOpenPositions 1.
   */
  exitsOnEntryBar: boolean;
  /**
   * A decision bar during which a position closed (SL/TP, a signal exit at its open) may still open
   * one at its close (live: the cycle runs whatever happened within the bar). false: entries wait
   * for the next bar (grademark evaluates no entry rule on an exit bar).
   */
  entryOnExitBar: boolean;
}
export const LIVE_FILLS: FillRules = { exitsOnEntryBar: true, entryOnExitBar: true };
/** grademark 0.3's backtest(): the entry bar only opens, the exit bar only closes. */
export const GRADEMARK_FILLS: FillRules = { exitsOnEntryBar: false, entryOnExitBar: false };

export type ExitReason = CloseReason | "end_of_data";

export interface BacktestTrade {
  id: string;
  side: "BUY" | "SELL";
  volume: number;
  /** Close time of the decision bar. */
  decisionTime: number;
  confidence: number;
  entryTime: number;
  entryPrice: number;
  sl: number | null;
  tp: number | null;
  exitTime: number;
  exitPrice: number;
  reason: ExitReason;
  grossPnl: number;
  commission: number;
  netPnl: number;
}

export type DecisionOutcome = "gated" | "hold" | "no_plan" | "traded" | "rejected";
export interface DecisionRecord {
  time: number;
  outcome: DecisionOutcome;
  direction: "BUY" | "SELL" | "HOLD";
  confidence: number;
  reason: string;
}

export interface SimulationResult {
  symbol: string;
  baseTimeframe: Timeframe;
  decisionTimeframe: Timeframe;
  mode: "models" | "rules";
  initialBalance: number;
  currency: string;
  /** Window actually simulated: first base bar open .. last base bar close. */
  start: number;
  end: number;
  bars: number;
  decisionBars: number;
  trades: BacktestTrade[];
  rejected: number;
  gated: { cooldown: number; daily_limit: number; max_open_positions: number; protection: number };
  /** Equity after every base bar (marked at its close), aligned with `times`. */
  times: Float64Array;
  equity: Float64Array;
  /** Base bars that ended with a position open. */
  barsInMarket: number;
  /** Buy-and-hold over the same bars: first open -> last close. */
  firstOpen: number;
  lastClose: number;
  decisions?: DecisionRecord[];
}

/** Everything computed once per backtest: series per timeframe and model probabilities per row. */
export interface PreparedBacktest {
  setup: BacktestSetup;
  decisionTf: Timeframe;
  series: Map<Timeframe, TimeframeSeries>;
  /** Per model timeframe: rows from validFrom on, as float32 (what ORT sees) and their probabilities. */
  rows: Map<Timeframe, { from: number; values: Float32Array; probs: Float32Array | null }>;
}

const ATR = featureIndex("atr_14");
const EMPTY_ROW = new Float32Array(0);

export async function prepareBacktest(setup: BacktestSetup): Promise<PreparedBacktest> {
  const { config, baseTimeframe, bars } = setup;
  const decisionTf = decisionTimeframeOf(config);
  const tfs = new Set<Timeframe>([decisionTf, ...config.ensemble.models.map((m) => m.timeframe)]);
  for (const tf of tfs) {
    if (TIMEFRAME_MS[tf] < TIMEFRAME_MS[baseTimeframe] || TIMEFRAME_MS[tf] % TIMEFRAME_MS[baseTimeframe] !== 0) {
      throw new RangeError(`timeframe ${tf} can't be built from ${baseTimeframe} bars`);
    }
  }
  // Lazy features: rules mode computes only what the rules read (and ATR) on the decision timeframe,
  // models mode every feature of the model timeframes (the same featureNeeds as the live cycle).
  const needs = setup.allFeatures
    ? new Map()
    : featureNeeds(config, setup.mode.kind === "models" ? config.ensemble.models.map((m) => m.timeframe) : []);
  const series = new Map<Timeframe, TimeframeSeries>();
  for (const tf of tfs) series.set(tf, buildSeries(barsFor(bars, baseTimeframe, tf), tf, needs.get(tf) ?? undefined));
  const rows = new Map<Timeframe, { from: number; values: Float32Array; probs: Float32Array | null }>();
  if (setup.mode.kind === "models") {
    for (const { timeframe } of config.ensemble.models) {
      const s = series.get(timeframe)!;
      if (s.features.col) throw new Error(`model ${timeframe}: features computed lazily; a model reads every feature`);
      const from = s.features.validFrom;
      const n = s.features.count - from;
      // Float64 -> Float32 exactly as live does (Float32Array.from(featureRow)).
      const values = Float32Array.from(
        s.features.values.subarray(from * FEATURE_COUNT, s.features.count * FEATURE_COUNT),
      );
      let probs: Float32Array | null = null;
      if (n > 0) {
        probs = await setup.mode.predictBatch(timeframe, values, n, FEATURE_COUNT);
        if (probs && probs.length < n * 3)
          throw new Error(`model ${timeframe} returned ${probs.length} values for ${n} rows (need ${n * 3})`);
      }
      rows.set(timeframe, { from, values, probs });
    }
  }
  return { setup, decisionTf, series, rows };
}

/** prepare + simulate. */
export async function runBacktest(setup: BacktestSetup, opts: RunOptions = {}): Promise<SimulationResult> {
  return simulate(await prepareBacktest(setup), opts);
}

const warming = (need: number, have: number) => `warming up: need ${need} bars, have ${have}`;

/** Bar-by-bar simulation over the base bars of the window. Synchronous and deterministic. */
export function simulate(prep: PreparedBacktest, opts: RunOptions = {}): SimulationResult {
  const { setup, decisionTf, series, rows } = prep;
  const { config } = setup;
  const botId = setup.botId ?? "backtest";
  const symbol = config.symbol;
  const instrument = setup.instrument ?? getInstrument(symbol);
  if (!instrument) throw new RangeError(`no instrument spec for ${symbol}`);
  const initialBalance = opts.initialBalance ?? 10_000;
  const currency = opts.accountCurrency ?? "USD";
  const paper = PaperEngine.create({
    initialBalance,
    accountCurrency: currency,
    slippagePoints: opts.slippagePoints ?? 0,
    spreadPoints: opts.spreadPoints !== undefined ? { [symbol]: opts.spreadPoints } : {},
    instruments: { [symbol]: instrument },
    // Only open positions' ids need remembering here (one order per decision bar, never retried).
    maxRememberedOrders: 16,
  });
  const base = setup.bars;
  const baseDur = TIMEFRAME_MS[setup.baseTimeframe];
  const from = opts.from ?? -Infinity;
  const to = opts.to ?? Infinity;
  let i0 = 0;
  while (i0 < base.length && base[i0]!.time < from) i0++;
  let i1 = to === Infinity ? base.length : i0;
  while (i1 < base.length && base[i1]!.time < to) i1++;
  const nBars = i1 - i0;
  if (nBars <= 0) throw new RangeError("no bars in the backtest window");

  const dSeries = series.get(decisionTf)!;
  const dCursor = new ClosedCursor(dSeries.closes);
  const cursors = new Map<Timeframe, ClosedCursor>();
  for (const m of config.ensemble.models) cursors.set(m.timeframe, new ClosedCursor(series.get(m.timeframe)!.closes));
  const decisions: DecisionRecord[] | undefined = opts.recordDecisions ? [] : undefined;
  const gated = { cooldown: 0, daily_limit: 0, max_open_positions: 0, protection: 0 };
  const trades: BacktestTrade[] = [];
  const openTrades = new Map<string, BacktestTrade>();
  // The bot's closed trades for its protections (close order), trimmed to what they can still read.
  const closedFacts: ClosedTradeFact[] = [];
  const protections = hasProtections(config.protections);
  const horizon = protectionHorizonMs(config.protections);
  const cycleExits = hasCycleExits(config);
  let rejected = 0;
  let lastExec: number | null = null;
  let dayStart = -1;
  let today = 0;
  let lastDecided = -1;
  let decisionBars = 0;
  let barsInMarket = 0;
  const times = new Float64Array(nBars);
  const equity = new Float64Array(nBars);
  const sizing = opts.sizingBalance ?? "account";
  const fills: FillRules = { ...LIVE_FILLS, ...opts.fills };
  if (!fills.exitsOnEntryBar && config.risk.maxOpenPositions > 1)
    throw new RangeError(
      "fills.exitsOnEntryBar false needs risk.maxOpenPositions 1 (a bar's exits are checked for every open position at once)",
    );
  /** Time of the newest exit and of the newest entry (market time: the bar's open). */
  let lastExitAt = -Infinity;
  let enteredAt = -Infinity;
  const snaps = new SnapshotBuffer(strategyNames(config.strategy));
  const ids = new ClientOrderIds(botId);
  // Rules mode: the strategy's groups read straight from the decision series (= groupPasses on snaps.fill).
  const buyAt = config.strategy.buy ? compileRowRule(config.strategy.buy, dSeries.features, dSeries.bars) : null;
  const sellAt = config.strategy.sell ? compileRowRule(config.strategy.sell, dSeries.features, dSeries.bars) : null;
  const exitLongAt = config.strategy.exit_long
    ? compileRowRule(config.strategy.exit_long, dSeries.features, dSeries.bars)
    : null;
  const exitShortAt = config.strategy.exit_short
    ? compileRowRule(config.strategy.exit_short, dSeries.features, dSeries.bars)
    : null;
  const needsIntentParse =
    config.exits.trailing !== null || config.exits.breakeven !== null || config.risk.stopsFrom === "fill";

  /** The account balance, followed from the paper engine's events (each carries it). */
  let balance = initialBalance;
  // Protections count a close from its exit time (the paper event's market time), as live does
  // (trade-book closedSince reads closed_at) and as Freqtrade's guards use a trade's close date.
  const closeEvent = (
    e: {
      positionId: string;
      time: number;
      exitPrice: number;
      reason: CloseReason;
      grossPnl: number;
      totalCommission: number;
      netPnl: number;
      balance: number;
    },
    reason: ExitReason = e.reason,
  ) => {
    const t = openTrades.get(e.positionId);
    if (!t) return;
    openTrades.delete(e.positionId);
    if (e.time > lastExitAt) lastExitAt = e.time;
    t.exitTime = e.time;
    t.exitPrice = e.exitPrice;
    t.reason = reason;
    t.grossPnl = e.grossPnl;
    t.commission = e.totalCommission;
    t.netPnl = e.netPnl;
    balance = e.balance;
    trades.push(t);
    if (protections) closedFacts.push({ time: e.time, reason, pnl: e.netPnl });
  };

  const pBar: PaperBar = { symbol, time: 0, open: 0, high: 0, low: 0, close: 0 };
  for (let i = i0; i < i1; i++) {
    const bar = base[i]!;
    const T = bar.time;
    // 1. The newest decision bar closed by T, decided once (a cycle per closed bar, as live).
    const jd = dCursor.at(T);
    if (jd >= 0 && jd !== lastDecided && dSeries.closes[jd]! >= from) {
      lastDecided = jd;
      decisionBars++;
      const c = dSeries.closes[jd]!;
      const rec = decideAt(c, jd, T, bar.open);
      if (rec) decisions!.push(rec);
    }
    // 2. Exits on this bar (conservative intrabar SL/TP, gaps, trailing/breakeven) by the paper engine
    //    (not on the entry bar under fills.exitsOnEntryBar false: then the one open position is the new one).
    if (openTrades.size > 0 && (fills.exitsOnEntryBar || enteredAt !== T)) {
      // Checked here (same rule and error as processBar's zod parse, without its cost per bar);
      // one scratch object: the engine reads the bar during the call and keeps none of it.
      pBar.time = T;
      pBar.open = bar.open;
      pBar.high = bar.high;
      pBar.low = bar.low;
      pBar.close = bar.close;
      for (const e of paper.processTrustedBar(checkedPaperBar(pBar))) {
        if (e.type === "closed") closeEvent(e);
      }
    }
    times[i - i0] = T + baseDur;
    if (openTrades.size > 0) {
      barsInMarket++;
      // account()'s equity (same sum and rounding) without its marks and ledger copy per bar.
      equity[i - i0] = roundMoney(balance + roundMoney(paper.unrealizedSum()));
    } else {
      equity[i - i0] = balance;
    }
  }
  // Positions still open at the end are closed at the last close (marked as such, not a signal),
  // stamped like every other exit: with the open time of the bar it happens in (SL/TP exits carry
  // their bar's time, signal exits the time of the bar at whose open they fill).
  const last = base[i1 - 1]!;
  for (const p of paper.positions()) {
    const r = paper.close(p.id, { time: last.time, reason: "manual", price: { mid: last.close } });
    if (r.status === "closed") closeEvent(r.event, "end_of_data");
  }
  equity[nBars - 1] = balance;
  trades.sort((a, b) => a.entryTime - b.entryTime || a.id.localeCompare(b.id));

  return {
    symbol,
    baseTimeframe: setup.baseTimeframe,
    decisionTimeframe: decisionTf,
    mode: setup.mode.kind,
    initialBalance,
    currency,
    start: base[i0]!.time,
    end: last.time + baseDur,
    bars: nBars,
    decisionBars,
    trades,
    rejected,
    gated,
    times,
    equity,
    barsInMarket,
    firstOpen: base[i0]!.open,
    lastClose: last.close,
    ...(decisions ? { decisions } : {}),
  };

  /**
   * One cycle at decision time c (close of decision bar jd); a trade fills at the open of the bar
   * opening at T. Its record (null when not recording: no record, no texts built).
   */
  function decideAt(c: number, jd: number, T: number, nextOpen: number): DecisionRecord | null {
    if (utcDayStart(c) !== dayStart) {
      dayStart = utcDayStart(c);
      today = 0;
    }
    // Exits first (live's cycle: durable-objects/engine/cycle-runner.ts): with open positions and
    // cycle exits configured, the bar is decided even when an entry gate is closed.
    const exitsDue = cycleExits && openTrades.size > 0;
    if (!exitsDue) {
      const blocked = entryBlock(c, T);
      if (blocked) return blocked.record;
    }
    const fm = dSeries.features;
    const n = jd + 1;
    const strategyOk = n >= MIN_DECISION_BARS && fm.validFrom <= n - 2;
    const atrRaw = fm.validFrom <= jd ? featureAt(fm, jd, ATR) : NaN;
    const atr = Number.isFinite(atrRaw) ? atrRaw : null;
    const dBar = dSeries.bars[jd]!;
    const sizingBalance = sizing === "account" ? balance : sizing;
    let side: "BUY" | "SELL" | null = null;
    let direction: DecisionRecord["direction"] = "HOLD";
    let confidence = 0;
    let planned: {
      entry: number;
      stopLoss: number | null;
      takeProfit: number | null;
      volume: number;
      side: "BUY" | "SELL";
    } | null = null;
    let reason: string;
    let signals: CycleSignals | null = null;

    if (setup.mode.kind === "rules") {
      if (!strategyOk) reason = `strategy can't be checked on ${decisionTf}: ${warming(MIN_DECISION_BARS, n)}`;
      else {
        // Verdicts only (groupPasses on the snapshot of jd, jd - 1): the rule texts of evaluateGroup
        // are never shown for rules-mode bars.
        const buy = buyAt ? buyAt(jd) : false;
        const sell = sellAt ? sellAt(jd) : false;
        const entry = buy === sell ? null : buy ? "BUY" : "SELL";
        signals = {
          entry,
          exitLong: exitLongAt ? exitLongAt(jd) : false,
          exitShort: exitShortAt ? exitShortAt(jd) : false,
        };
        reason = entry ? "" : buy ? "both rule groups pass" : "no rule group passes";
        if (entry) {
          direction = entry;
          confidence = 1;
        }
      }
    } else {
      const inputs = modelInputs(c, jd, strategyOk, atr);
      const outputs: Partial<Record<Timeframe, ModelOutput>> = {};
      for (const m of inputs.models) {
        if (!m.ok) continue;
        const r = rows.get(m.timeframe)!;
        const idx = cursors.get(m.timeframe)!.at(c) - r.from;
        outputs[m.timeframe] = r.probs
          ? { probabilities: [r.probs[idx * 3]!, r.probs[idx * 3 + 1]!, r.probs[idx * 3 + 2]!] }
          : { error: `no ${m.timeframe} model` };
      }
      const p = decide({
        botId,
        config,
        label: "multi",
        inputs,
        outputs,
        instrument,
        balance: sizingBalance,
        accountCurrency: currency,
        now: c,
      });
      direction = p.direction;
      confidence = p.confidence;
      reason = p.reason;
      signals = cycleSignals(p);
      // Live's cycle: a plan below the threshold is never executed (decide gives none then).
      if (p.plan && p.direction !== "HOLD" && p.confidence >= config.execution.confidenceThreshold) planned = p.plan;
    }

    let exitNote = "";
    if (exitsDue) {
      const open: OpenSide[] = [];
      for (const [id, t] of openTrades) {
        // fills.exitsOnEntryBar false: a position opened within the decision bar doesn't exit on its signals yet.
        if (!fills.exitsOnEntryBar && t.entryTime >= dBar.time) continue;
        open.push({ id, side: t.side, openTime: t.entryTime });
      }
      // Time and protections run on the cycle's clock: live's cycle for decision bar c runs when the
      // base bar opening at T starts (T = c unless the data has a gap, e.g. a weekend).
      const plan = planExits(config, open, signals, T);
      for (const x of plan.exits) {
        const r = paper.close(x.id, { time: T, reason: x.reason, price: { mid: nextOpen } });
        if (r.status === "closed") closeEvent(r.event);
        if (decisions) exitNote += `${x.message}; `;
      }
      if (signals && signals.entry && !plan.entry)
        return decisions
          ? { time: c, outcome: "hold", direction, confidence, reason: `${exitNote}${plan.entryBlocked ?? ""}` }
          : null;
      // Live checks the entry gates after its exits only for an executable entry (rules: a signal; models: a plan).
      const entering = setup.mode.kind === "rules" ? signals?.entry != null : planned !== null;
      const blocked = entering ? entryBlock(c, T) : null;
      if (blocked) {
        if (blocked.record) blocked.record.reason = `${exitNote}${blocked.record.reason}`;
        return blocked.record;
      }
    } else if (signals?.entry) {
      const plan = planExits(config, [], signals, c);
      if (!plan.entry)
        return decisions ? { time: c, outcome: "hold", direction, confidence, reason: plan.entryBlocked ?? "" } : null;
    }
    if (!fills.entryOnExitBar && lastExitAt >= dBar.time && (signals?.entry || planned))
      return decisions
        ? {
            time: c,
            outcome: "hold",
            direction,
            confidence,
            reason: `${exitNote}fill rules: no entry on a bar with an exit (fills.entryOnExitBar false)`,
          }
        : null;
    if (setup.mode.kind === "rules" && signals?.entry) {
      side = signals.entry;
      // planTrade's plan; its text only for a recorded decision.
      const p = tradePlan(config, side, dBar.close, atr, instrument, sizingBalance, currency);
      planned = p.plan;
      reason = p.plan ? (decisions ? planText(p.plan) : "") : p.reason;
    } else if (planned) side = planned.side;
    if (!side || !planned)
      return decisions
        ? {
            time: c,
            outcome: direction === "HOLD" ? "hold" : "no_plan",
            direction,
            confidence,
            reason: `${exitNote}${reason}`,
          }
        : null;

    const cid = ids.id(c);
    const intent = botOrderIntent(
      config,
      symbol,
      {
        side,
        volume: planned.volume,
        stopLoss: planned.stopLoss,
        takeProfit: planned.takeProfit,
        entry: planned.entry,
      },
      cid,
    );
    // Validated here once (same answer as submit's parse); anything unusual takes submit's own path.
    const order = needsIntentParse
      ? null
      : trustedIntent(
          { side, symbol, volume: planned.volume, sl: planned.stopLoss, tp: planned.takeProfit, client_order_id: cid },
          ids.valid(cid, c),
        );
    const mid = trustedMid(nextOpen);
    const r =
      order && mid
        ? paper.submitTrusted(order, { time: T, price: mid })
        : paper.submit(intent, { time: T, price: { mid: nextOpen } });
    if (r.status !== "filled") {
      rejected++;
      return decisions
        ? { time: c, outcome: "rejected", direction, confidence, reason: `${exitNote}${r.reason}: ${r.message}` }
        : null;
    }
    lastExec = c;
    enteredAt = T;
    today++;
    const e = r.event;
    balance = e.balance;
    openTrades.set(r.positionId, {
      id: cid,
      side,
      volume: e.volume,
      decisionTime: c,
      confidence,
      entryTime: e.time,
      entryPrice: e.price,
      sl: e.sl,
      tp: e.tp,
      exitTime: 0,
      exitPrice: 0,
      reason: "end_of_data",
      grossPnl: 0,
      commission: 0,
      netPnl: 0,
    });
    return decisions ? { time: c, outcome: "traded", direction, confidence, reason: `${exitNote}${reason}` } : null;
  }

  /** The entry gates at c (cooldown, daily limit, max open), then the protections at the cycle's clock T; counted as gated; null when open. */
  function entryBlock(c: number, T: number): { record: DecisionRecord | null } | null {
    const counts = { lastAt: lastExec, today, openPositions: openTrades.size };
    const blocked = gateBlock(config, counts, c);
    if (blocked !== null) {
      gated[blocked]++;
      return {
        record: decisions
          ? {
              time: c,
              outcome: "gated",
              direction: "HOLD",
              confidence: 0,
              reason: gateMessage(blocked, config, counts, c),
            }
          : null,
      };
    }
    if (!protections) return null;
    while (closedFacts.length > 0 && closedFacts[0]!.time < T - horizon) closedFacts.shift();
    // The drawdown's denominator is the account balance (live: the account the bot trades), not the sizing balance.
    const lock = protectionLock(config.protections, closedFacts, balance, T);
    if (!lock) return null;
    gated.protection++;
    return {
      record: decisions ? { time: c, outcome: "gated", direction: "HOLD", confidence: 0, reason: lock.message } : null,
    };
  }

  /** What prepareInputs(config, bars, asOf = c) returns, read from the precomputed series. */
  function modelInputs(c: number, jd: number, strategyOk: boolean, atr: number | null): DecisionInputs {
    const closeTimes: Partial<Record<Timeframe, number>> = {};
    const models: ModelInput[] = config.ensemble.models.map(({ timeframe, weight }): ModelInput => {
      const s = series.get(timeframe)!;
      const k = cursors.get(timeframe)!.at(c);
      if (k < 0) return { timeframe, weight, ok: false, reason: `no closed ${timeframe} bars` };
      const barTime = s.closes[k]!;
      closeTimes[timeframe] = barTime;
      if (k + 1 < MIN_MODEL_BARS || s.features.validFrom > k)
        return { timeframe, weight, ok: false, reason: warming(MIN_MODEL_BARS, k + 1) };
      const r = rows.get(timeframe);
      const features = r
        ? r.values.subarray((k - r.from) * FEATURE_COUNT, (k - r.from + 1) * FEATURE_COUNT)
        : EMPTY_ROW;
      return { timeframe, weight, ok: true, features, barTime };
    });
    const fm = dSeries.features;
    const dBar = dSeries.bars[jd]!;
    const strategy: DecisionInputs["strategy"] = strategyOk
      ? { ok: true, snapshot: snaps.fill(fm, dSeries.bars, jd) }
      : { ok: false, reason: `strategy can't be checked on ${decisionTf}: ${warming(MIN_DECISION_BARS, jd + 1)}` };
    return {
      decisionTimeframe: decisionTf,
      barTime: c,
      closeTimes,
      models,
      strategy,
      bar: { open: dBar.open, high: dBar.high, low: dBar.low, close: dBar.close },
      atr,
    };
  }
}
