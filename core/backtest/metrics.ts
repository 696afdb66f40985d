// Performance numbers of a backtest. Conventions (also in docs/BACKTEST.md):
// - Returns are on account equity; equity is marked at every base bar's close.
// - Sharpe and Sortino use DAILY returns (equity at the last bar of each UTC day that has bars,
//   the first day against the initial balance), annualised by sqrt(252), risk-free rate 0.
//   Sharpe = mean / sample std (n-1); Sortino = mean / sqrt(sum(min(r,0)^2) / n).
// - CAGR over calendar time (365.25-day years) from the window's start to its end.
// - Max drawdown: largest peak-to-trough fall of the equity curve, as a fraction of the peak.
// - Profit factor = gross profit / gross loss of closed trades (null when there is no loss).
// - Expectancy = mean net P&L per trade, account currency.
// - Exposure = share of base bars that ended with a position open.
// - Buy-and-hold: long from the window's first open to its last close, price return, no costs.
import { DAY_MS } from "../decision/gates";

export const TRADING_DAYS = 252;
const YEAR_MS = 365.25 * DAY_MS;

export interface TradeResult {
  netPnl: number;
}

export interface MetricsInput {
  initialBalance: number;
  trades: readonly TradeResult[];
  /** Equity after each bar, with that bar's close time. */
  times: ArrayLike<number>;
  equity: ArrayLike<number>;
  barsInMarket: number;
  start: number;
  end: number;
  firstOpen: number;
  lastClose: number;
}

export interface Metrics {
  finalEquity: number;
  totalReturn: number;
  cagr: number | null;
  sharpe: number | null;
  sortino: number | null;
  maxDrawdown: number;
  trades: number;
  wins: number;
  losses: number;
  winRate: number | null;
  profitFactor: number | null;
  expectancy: number | null;
  grossProfit: number;
  grossLoss: number;
  exposure: number;
  tradingDays: number;
  buyAndHold: { totalReturn: number; cagr: number | null; maxDrawdown: number };
  /** totalReturn - buyAndHold.totalReturn. */
  excessReturn: number;
  beatsBuyAndHold: boolean;
}

const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

export function cagrOf(growth: number, start: number, end: number): number | null {
  const years = (end - start) / YEAR_MS;
  if (!(years > 0) || !(growth > 0)) return null;
  return growth ** (1 / years) - 1;
}

/** Equity at the last bar of each UTC day, in order. */
export function dailyCloses(times: ArrayLike<number>, equity: ArrayLike<number>): number[] {
  const out: number[] = [];
  let day = NaN;
  for (let i = 0; i < times.length; i++) {
    // A bar closing exactly at midnight belongs to the day it ran in.
    const d = Math.floor((times[i]! - 1) / DAY_MS);
    if (d !== day) {
      out.push(equity[i]!);
      day = d;
    } else out[out.length - 1] = equity[i]!;
  }
  return out;
}

export function sharpeOf(returns: readonly number[]): number | null {
  const n = returns.length;
  if (n < 2) return null;
  const mean = returns.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (n - 1));
  return sd > 0 ? (mean / sd) * Math.sqrt(TRADING_DAYS) : null;
}

export function sortinoOf(returns: readonly number[]): number | null {
  const n = returns.length;
  if (n < 2) return null;
  const mean = returns.reduce((a, b) => a + b, 0) / n;
  const dd = Math.sqrt(returns.reduce((a, r) => a + Math.min(r, 0) ** 2, 0) / n);
  return dd > 0 ? (mean / dd) * Math.sqrt(TRADING_DAYS) : null;
}

export function maxDrawdownOf(values: ArrayLike<number>, startValue?: number): number {
  let peak = startValue ?? -Infinity;
  let worst = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > peak) peak = v;
    else if (peak > 0) worst = Math.max(worst, (peak - v) / peak);
  }
  return worst;
}

export function computeMetrics(m: MetricsInput, closes?: ArrayLike<number>): Metrics {
  const finalEquity = m.equity.length ? m.equity[m.equity.length - 1]! : m.initialBalance;
  const totalReturn = finalEquity / m.initialBalance - 1;
  const daily = dailyCloses(m.times, m.equity);
  const rets: number[] = [];
  let prev = m.initialBalance;
  for (const e of daily) {
    rets.push(e / prev - 1);
    prev = e;
  }
  let wins = 0;
  let losses = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let net = 0;
  for (const t of m.trades) {
    net += t.netPnl;
    if (t.netPnl > 0) {
      wins++;
      grossProfit += t.netPnl;
    } else {
      losses++;
      grossLoss -= t.netPnl;
    }
  }
  const n = m.trades.length;
  const bhReturn = m.lastClose / m.firstOpen - 1;
  const bars = m.equity.length;
  return {
    finalEquity: Math.round(finalEquity * 100) / 100,
    totalReturn: r6(totalReturn),
    cagr: nullable(cagrOf(finalEquity / m.initialBalance, m.start, m.end)),
    sharpe: nullable(sharpeOf(rets)),
    sortino: nullable(sortinoOf(rets)),
    maxDrawdown: r6(maxDrawdownOf(m.equity, m.initialBalance)),
    trades: n,
    wins,
    losses,
    winRate: n ? r6(wins / n) : null,
    profitFactor: grossLoss > 0 ? r6(grossProfit / grossLoss) : null,
    expectancy: n ? Math.round((net / n) * 100) / 100 : null,
    grossProfit: Math.round(grossProfit * 100) / 100,
    grossLoss: Math.round(grossLoss * 100) / 100,
    exposure: bars ? r6(m.barsInMarket / bars) : 0,
    tradingDays: daily.length,
    buyAndHold: {
      totalReturn: r6(bhReturn),
      cagr: nullable(cagrOf(m.lastClose / m.firstOpen, m.start, m.end)),
      maxDrawdown: r6(closes ? maxDrawdownOf(closes, m.firstOpen) : 0),
    },
    excessReturn: r6(totalReturn - bhReturn),
    beatsBuyAndHold: totalReturn > bhReturn,
  };
}

function nullable(x: number | null): number | null {
  return x === null || !Number.isFinite(x) ? null : r6(x);
}
