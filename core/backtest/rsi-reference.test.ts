// The textbook RSI mean-reversion strategy (buy when RSI(14) < 30, exit when RSI(14) > 70), long-only,
// no stops and zero costs, on real S&P 500 daily bars: the backtester's trade list is checked trade
// by trade against an independent loop written here, with the documented fill rules
// (docs/BACKTEST.md): a signal on a bar's close fills at the next bar's open; one position at a
// time; a position still open at the end closes at the last close. These are also grademark's
// rules for a long strategy (enterPosition/exitPosition act at the next bar's open), so the list
// is the one a peer backtester gives over the same bars from the same first decision bar.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MIN_DECISION_BARS } from "../decision/decide";
import { INSTRUMENTS } from "../instruments/catalog";
import { parseBarsCsv } from "../market/csv";
import { BotConfigSchema } from "../protocol/bot-config";
import { runBacktest } from "./engine";

const BARS = parseBarsCsv(readFileSync(new URL("../../models/data/sp500_daily.csv", import.meta.url), "utf8")).bars;
// The shipped SPX500 spec with the data's own precision and no spread: prices are what the CSV says.
const INSTRUMENT = { ...INSTRUMENTS.SPX500!, digits: 6, tickSize: 0.000001, defaultSpreadPoints: 0 };

/** Wilder's RSI, written out again here: seed = mean of the first 14 changes, then (avg * 13 + x) / 14. */
function rsi14(close: readonly number[]): number[] {
  const out = close.map(() => NaN);
  let g = 0;
  let l = 0;
  for (let t = 1; t < close.length; t++) {
    const d = close[t]! - close[t - 1]!;
    const up = Math.max(d, 0);
    const down = Math.max(-d, 0);
    if (t <= 14) {
      g += up / 14;
      l += down / 14;
    } else {
      g = (g * 13 + up) / 14;
      l = (l * 13 + down) / 14;
    }
    if (t >= 14) out[t] = l === 0 ? (g === 0 ? 50 : 100) : 100 - 100 / (1 + g / l);
  }
  return out;
}

describe("RSI(14) 30/70 long-only on S&P 500 daily, zero costs, no stops", () => {
  it("matches an independent reference loop trade by trade", async () => {
    expect(BARS.length).toBeGreaterThan(5000);
    const config = BotConfigSchema.parse({
      symbol: "SPX500",
      ensemble: { models: [{ timeframe: "1d", weight: 1 }] },
      strategy: {
        buy: { all: [{ indicator: "rsi_14", op: "<", value: 30 }] },
        exit_long: { all: [{ indicator: "rsi_14", op: ">", value: 70 }] },
      },
      risk: { stops: { mode: "none" }, sizing: { mode: "fixed", lots: 1 }, maxOpenPositions: 1 },
      execution: { direction: "long_only", cooldownMinutes: 0, dailyTradeLimit: 1000 },
    });
    const r = await runBacktest(
      { config, baseTimeframe: "1d", bars: BARS, mode: { kind: "rules" }, instrument: INSTRUMENT },
      { spreadPoints: 0, slippagePoints: 0, initialBalance: 100_000 },
    );

    // ---- the reference loop ----
    const close = BARS.map((b) => b.close);
    const rsi = rsi14(close);
    const ref: { entryTime: number; entryPrice: number; exitTime: number; exitPrice: number; reason: string }[] = [];
    let open: { entryTime: number; entryPrice: number } | null = null;
    // Rules read rows after the feature warm-up (docs/STRATEGY.md): the first decision bar is index MIN_DECISION_BARS - 1.
    for (let k = MIN_DECISION_BARS - 1; k + 1 < BARS.length; k++) {
      const next = BARS[k + 1]!;
      if (open && rsi[k]! > 70) {
        ref.push({ ...open, exitTime: next.time, exitPrice: next.open, reason: "signal" });
        open = null;
      } else if (!open && rsi[k]! < 30) open = { entryTime: next.time, entryPrice: next.open };
    }
    const last = BARS.at(-1)!;
    // Stamped like any exit: the open time of the bar it happens in (its close price, at the last bar).
    if (open) ref.push({ ...open, exitTime: last.time, exitPrice: last.close, reason: "end_of_data" });

    const got = r.trades.map((t) => ({
      entryTime: t.entryTime,
      entryPrice: t.entryPrice,
      exitTime: t.exitTime,
      exitPrice: t.exitPrice,
      reason: t.reason,
    }));
    expect(r.trades.every((t) => t.side === "BUY" && t.sl === null && t.tp === null && t.commission === 0)).toBe(true);
    expect(got.length).toBeGreaterThan(5);
    expect(got.map((t) => t.reason).filter((x) => x === "signal").length).toBeGreaterThanOrEqual(got.length - 1);
    expect(got).toEqual(ref);
    // Zero costs: each trade's P&L is exit - entry points on one lot of 1 USD per point.
    for (const t of r.trades) expect(t.netPnl).toBeCloseTo(t.exitPrice - t.entryPrice, 2);
    console.log(
      `RSI 30/70 long-only: ${got.length} trades, first ${new Date(got[0]!.entryTime).toISOString().slice(0, 10)}, net ${r.trades.reduce((s, t) => s + t.netPnl, 0).toFixed(2)}`,
    );
  });
});
