// SimulationResult(s) -> the JSON report (summary, walk-forward windows, trades, thinned equity curve).
import type { Bar } from "../market/bar";
import { type PreparedBacktest, type RunOptions, type SimulationResult, simulate } from "./engine";
import { computeMetrics } from "./metrics";
import type { BacktestReport, BacktestWindow } from "./schema";

export const MAX_CURVE_POINTS = 1000;
export const MAX_REPORT_TRADES = 5000;

/** Closes of the base bars in [start, end) for buy-and-hold's drawdown. */
function closesIn(bars: readonly Bar[], start: number, end: number): number[] {
  const out: number[] = [];
  for (const b of bars) if (b.time >= start && b.time < end) out.push(b.close);
  return out;
}

export function windowOf(r: SimulationResult, bars: readonly Bar[]): BacktestWindow {
  return {
    start: r.start,
    end: r.end,
    bars: r.bars,
    decisionBars: r.decisionBars,
    metrics: computeMetrics(r, closesIn(bars, r.start, r.end)),
    rejected: r.rejected,
    gated: { ...r.gated },
  };
}

/** Every k-th point plus the last, at most `max` points. */
export function thinCurve(
  times: ArrayLike<number>,
  equity: ArrayLike<number>,
  max = MAX_CURVE_POINTS,
): [number, number][] {
  const n = times.length;
  const step = Math.max(1, Math.ceil(n / max));
  const out: [number, number][] = [];
  for (let i = 0; i < n; i += step) out.push([times[i]!, equity[i]!]);
  if (n > 0 && (n - 1) % step !== 0) out[out.length - 1] = [times[n - 1]!, equity[n - 1]!];
  return out;
}

/** Splits [start, end) of the base bars into `n` consecutive windows of equal bar count. */
export function walkForwardWindows(
  bars: readonly Bar[],
  n: number,
  from?: number,
  to?: number,
): { from: number; to: number }[] {
  const inRange = bars.filter((b) => (from === undefined || b.time >= from) && (to === undefined || b.time < to));
  if (n < 1 || inRange.length < n) throw new RangeError(`can't split ${inRange.length} bars into ${n} windows`);
  const out: { from: number; to: number }[] = [];
  for (let w = 0; w < n; w++) {
    const a = Math.floor((w * inRange.length) / n);
    const b = Math.floor(((w + 1) * inRange.length) / n);
    out.push({
      from: inRange[a]!.time,
      to: b < inRange.length ? inRange[b]!.time : inRange[inRange.length - 1]!.time + 1,
    });
  }
  return out;
}

export interface ReportOptions extends RunOptions {
  walkForward?: number;
  notes?: string[];
}

/** Runs the whole window and (optionally) N walk-forward windows on one prepared backtest. */
export function buildReport(
  prep: PreparedBacktest,
  opts: ReportOptions = {},
): { report: BacktestReport; result: SimulationResult } {
  const result = simulate(prep, opts);
  const bars = prep.setup.bars;
  const windows: BacktestWindow[] = [];
  if (opts.walkForward && opts.walkForward > 1) {
    for (const w of walkForwardWindows(bars, opts.walkForward, opts.from, opts.to)) {
      windows.push(windowOf(simulate(prep, { ...opts, from: w.from, to: w.to, recordDecisions: false }), bars));
    }
  }
  const spec = prep.setup.instrument;
  const report: BacktestReport = {
    format: "edgetrader-backtest/1",
    symbol: result.symbol,
    mode: result.mode,
    baseTimeframe: result.baseTimeframe,
    decisionTimeframe: result.decisionTimeframe,
    initialBalance: result.initialBalance,
    currency: result.currency,
    costs: {
      spreadPoints: opts.spreadPoints ?? spec?.defaultSpreadPoints ?? null,
      slippagePoints: opts.slippagePoints ?? 0,
      commissionPerLotPerSide: spec?.commissionPerLotPerSide ?? 0,
    },
    summary: windowOf(result, bars),
    windows,
    trades: result.trades.slice(-MAX_REPORT_TRADES),
    equityCurve: thinCurve(result.times, result.equity),
    notes: opts.notes ?? [],
  };
  return { report, result };
}
