// Parity: the same USD/CHF bars through the live object path (durable-objects/engine: Engine with its
// CycleRunner, gates, paper account in the object's SQLite, bar checks) and through the backtester
// give the same trades. The clock is a replay clock advanced bar by bar; at each 30m step the object
// first checks closed bars (SL/TP), then runs the bot's cycle, filling at the current quote (the
// opening price of the bar that starts now), exactly what replay-quotes.ts gives at a bar boundary.
// Both sides decide with core/decision and the same model: a fixed TS function of the feature row
// (RSI-driven softmax), so the models are not what is being compared.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type BacktestTrade, runBacktest, type SimulationResult } from "../../core/backtest/engine";
import { BARS_PER_TIMEFRAME, decide, type ModelOutput, prepareInputs } from "../../core/decision/decide";
import { FEATURE_COUNT, featureIndex } from "../../core/features/schema";
import { getInstrument } from "../../core/instruments/catalog";
import type { Bar } from "../../core/market/bar";
import { resample } from "../../core/market/resample";
import { TIMEFRAME_MS, type Timeframe } from "../../core/market/timeframes";
import { type BotConfig, BotConfigSchema } from "../../core/protocol/bot-config";
import { type TradeView, TradeViewSchema } from "../../core/protocol/events";
import { Engine } from "../../durable-objects/engine";
import type { BotRef } from "../../durable-objects/engine/prediction-port";
import { replayBars } from "../../durable-objects/market/replay-data";
import type { UserBot } from "../../durable-objects/user-bot";
import { createBot, newUser, SYMBOL, stubOf } from "./engine-fixtures";

const RSI = featureIndex("rsi_14");
/** The "model": softmax of an RSI reading; BUY when oversold, SELL when overbought. */
function model(row: ArrayLike<number>, out: Float32Array, at = 0): void {
  const r = row[RSI]!;
  const z = [(r - 50) / 6, 0.6, (50 - r) / 6];
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e[0]! + e[1]! + e[2]!;
  for (let k = 0; k < 3; k++) out[at + k] = e[k]! / s;
}

const config = BotConfigSchema.parse({
  symbol: SYMBOL,
  ensemble: { models: [{ timeframe: "2h", weight: 1 }] },
  // Cadence = the decision timeframe (2h): one cycle per decision bar, at its close, as the backtest
  // decides. With a finer cadence a bar refused by a gate (e.g. max open positions) is decided again
  // at the next slot once the gate opens, mid-bar; the backtest never does (docs/BACKTEST.md).
  execution: { confidenceThreshold: 0.5, cooldownMinutes: 0, dailyTradeLimit: 50, cadenceMinutes: 120 },
  // maxOpenPositions 1 (the default): both sides gate with core/decision/gates.ts on the bot's open positions.
  risk: { maxOpenPositions: 1, stops: { mode: "atr", slAtrMult: 1, tpAtrMult: 2 }, minRiskReward: 1.5 },
});

const BASE_MS = TIMEFRAME_MS["30m"];

async function liveAndBacktest(config: BotConfig) {
  const all = replayBars("USDCHF");
  // History for warm-up, then ~2 weeks of half-hours replayed step by step.
  const startIdx = all.findIndex((b) => b.time >= Date.UTC(1999, 2, 1));
  const STEPS = 700;
  const history = all.slice(startIdx - 8000, startIdx + STEPS);
  const from = all[startIdx]!.time;
  const to = all[startIdx + STEPS - 1]!.time;

  // ---- backtester ----
  const bt = await runBacktest(
    {
      botId: "BOT",
      config,
      baseTimeframe: "30m",
      bars: history,
      mode: {
        kind: "models",
        predictBatch: (_tf, rows, n, f) => {
          const out = new Float32Array(n * 3);
          for (let i = 0; i < n; i++) model(rows.subarray(i * f, (i + 1) * f), out, i * 3);
          return out;
        },
      },
    },
    { from, to, sizingBalance: 10_000 },
  );

  // ---- live path in the user's object ----
  const user = await newUser();
  const botId = await createBot(user, config.execution, true);
  const live = await runInDurableObject(stubOf(user.userId), async (_instance: UserBot, state) => {
    let clock = from;
    const closedBy = (t: number) => history.filter((b) => b.time + BASE_MS <= t);
    const bot: BotRef = { id: botId, userId: user.userId, name: "parity", symbol: SYMBOL, target: "paper", config };
    const engine = new Engine({
      ctx: state,
      env,
      clock: () => clock,
      // The quote at a bar boundary: the opening price of the bar starting now (replay-quotes.ts at f = 0).
      quote: (s) => {
        const b = history.find((x) => x.time === clock);
        return s === SYMBOL && b ? { symbol: s, mid: b.open, time: clock } : null;
      },
      newBars: async (_s, after) => closedBy(clock).filter((b) => b.time > after),
      loadBots: async () => [bot],
      // The object's prediction step: bars closed by now (BARS_PER_TIMEFRAME per timeframe, as
      // PredictionService asks the bar store), prepareInputs + decide, the model on each ready row.
      predictor: async (b) => {
        const base = closedBy(clock);
        const byTf: Partial<Record<Timeframe, Bar[]>> = {
          "2h": resample(base, "30m", "2h", { asOf: clock }).bars.slice(-BARS_PER_TIMEFRAME),
        };
        const prep = prepareInputs(b.config, byTf);
        if (!prep.ok) return { ok: false, reason: "no_data", message: prep.reason };
        const outputs: Partial<Record<Timeframe, ModelOutput>> = {};
        for (const m of prep.inputs.models) {
          if (!m.ok) continue;
          const p = new Float32Array(3);
          model(m.features, p);
          outputs[m.timeframe] = { probabilities: Array.from(p) };
        }
        const prediction = decide({
          botId: b.id,
          config: b.config,
          label: "multi",
          inputs: prep.inputs,
          outputs,
          instrument: getInstrument(SYMBOL),
          balance: 10_000,
          now: clock,
        });
        // The backtest decides only on bars closing in the window and starts flat; a live trade
        // on the bar before it would hold the one open-position slot into the window.
        if (prediction.barTime < from)
          return { ok: false, reason: "no_data", message: "decision bar closed before the window" };
        return { ok: true, prediction };
      },
    });
    engine.core.bindUser(user.userId);
    for (let i = startIdx; i < startIdx + STEPS - 1; i++) {
      clock = all[i]!.time;
      await engine.checkPositions();
      await engine.runCycles({ firedAt: clock });
    }
    // The last bar of the window [from, to) closes at `to`: check it; what is still open stays open.
    clock = to;
    await engine.checkPositions();
    const count = (reason: string) =>
      state.storage.sql
        .exec<{ n: number }>(
          `SELECT COUNT(*) AS n FROM engine_events WHERE type = 'activity' AND json_extract(data, '$.detail.reason') = ?`,
          reason,
        )
        .one().n;
    const trades = state.storage.sql
      .exec<{ view: string }>(`SELECT view FROM engine_trades ORDER BY executed_at`)
      .toArray()
      .map((r) => TradeViewSchema.parse(JSON.parse(r.view)));
    return { trades, gated: count("max_open_positions"), protection: count("protection") };
  });
  return { bt, live };
}

describe("backtest = live object path on the same bars", () => {
  it("identical trades: side, entry time and price, exit time and price, reason", async () => {
    const { bt, live } = await liveAndBacktest(config);

    expectSameTrades(bt, live);
  }, 300_000);

  it("exit rules, opposite signal + reverse, trailing, breakeven, time exit and the stop-loss guard agree too", async () => {
    const withExits = BotConfigSchema.parse({
      ...config,
      // No TP: positions leave by their exits (rules, opposite signal, time) or the managed stop.
      risk: { ...config.risk, stops: { mode: "atr", slAtrMult: 1, tpAtrMult: null } },
      strategy: {
        exit_long: { all: [{ indicator: "rsi_14", op: ">", value: 62 }] },
        exit_short: { all: [{ indicator: "rsi_14", op: "<", value: 38 }] },
      },
      exits: {
        onOppositeSignal: true,
        reverse: true,
        trailing: { distancePoints: 250, activationPoints: 150 },
        breakeven: { triggerPoints: 100, lockPoints: 10 },
        maxHoldMinutes: 1440,
      },
      protections: { stoplossGuard: { tradeLimit: 2, lookbackMinutes: 1440, pauseMinutes: 720 } },
    });
    const { bt, live } = await liveAndBacktest(withExits);
    const reasons = new Set(bt.trades.map((t) => t.reason));
    for (const r of ["signal", "time", "trailing", "breakeven", "sl"]) expect(reasons, r).toContain(r);
    expectSameTrades(bt, live);
    expect(bt.gated.protection).toBeGreaterThan(0);
    expect(live.protection).toBe(bt.gated.protection);
  }, 300_000);

  it("stops relative to the fill (risk.stopsFrom fill): the same trades and the same stop levels on both sides", async () => {
    const fromFill = BotConfigSchema.parse({ ...config, risk: { ...config.risk, stopsFrom: "fill" } });
    const { bt, live } = await liveAndBacktest(fromFill);
    expectSameTrades(bt, live);
    const executed = live.trades.filter((t) => t.status === "open" || t.status === "closed");
    expect(executed.map((t) => t.stop_loss)).toEqual(bt.trades.map((t) => t.sl));
    expect(bt.trades.every((t) => t.sl !== null && t.tp !== null)).toBe(true);
  }, 300_000);
});

function expectSameTrades(bt: SimulationResult, live: { trades: TradeView[]; gated: number }) {
  const key = (t: BacktestTrade) => ({
    side: t.side,
    entryTime: t.entryTime,
    entryPrice: t.entryPrice,
    exitTime: t.reason === "end_of_data" ? null : t.exitTime,
    exitPrice: t.reason === "end_of_data" ? null : t.exitPrice,
    reason: t.reason === "end_of_data" ? null : t.reason,
  });
  // The object dates a close by its paper event (market time: the open time of the bar whose range
  // hit the level), as the backtest does, so exit times compare as they are.
  const liveKey = (t: TradeView) => ({
    side: t.side,
    entryTime: t.opened_at,
    entryPrice: t.entry_price,
    exitTime: t.status === "closed" ? t.closed_at : null,
    exitPrice: t.status === "closed" ? t.exit_price : null,
    reason: t.status === "closed" ? t.reason : null,
  });
  const executed = live.trades.filter((t) => t.status === "open" || t.status === "closed");
  const rejected = live.trades.filter((t) => t.status === "rejected");
  expect(rejected.length).toBe(bt.rejected);
  expect(executed.map((t) => Number(t.client_order_id.split(":").at(-1)))).toEqual(
    bt.trades.map((t) => t.decisionTime),
  );
  expect(bt.trades.length).toBeGreaterThan(1);
  // The shared gate (core/decision/gates.ts) refuses the same number of decisions on both sides.
  expect(bt.gated.max_open_positions).toBeGreaterThan(0);
  expect(live.gated).toBe(bt.gated.max_open_positions);
  expect(executed.map(liveKey)).toEqual(bt.trades.map(key));
}
