/**
 * Performance numbers from a user's trades (pure; all money in account currency, times epoch ms).
 * Days are UTC days of the close time. Hand-written: the formulas are short and must match
 * docs/ENGINE.md exactly, which a general statistics library would not make clearer.
 */
export interface AnalyticsTrade {
  openedAt: number | null;
  closedAt: number | null;
  /** Net realized P&L; null while open. */
  pnl: number | null;
}

export interface DailyRow {
  day: string;
  pnl: number;
  trades: number;
  wins: number;
  losses: number;
  equity: number;
}

export interface AnalyticsSummary {
  days: DailyRow[];
  totals: {
    net_pnl: number;
    trades: number;
    win_rate: number | null;
    max_drawdown: number;
    sharpe: number | null;
    exposure: number;
  };
}

const cents = (x: number) => Math.round(x * 100) / 100;
const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Largest fall from a running peak of the cumulative P&L (starting at 0), as a positive number. */
export function maxDrawdown(pnls: readonly number[]): number {
  let equity = 0;
  let peak = 0;
  let worst = 0;
  for (const p of pnls) {
    equity += p;
    peak = Math.max(peak, equity);
    worst = Math.max(worst, peak - equity);
  }
  return cents(worst);
}

/** Annualised Sharpe of daily P&L: mean / sample stdev x sqrt(252); null with < 2 days or no variation. */
export function sharpe(daily: readonly number[]): number | null {
  if (daily.length < 2) return null;
  const mean = daily.reduce((a, b) => a + b, 0) / daily.length;
  const variance = daily.reduce((a, b) => a + (b - mean) ** 2, 0) / (daily.length - 1);
  if (variance <= 1e-18) return null;
  return Math.round((mean / Math.sqrt(variance)) * Math.sqrt(252) * 1e4) / 1e4;
}

/** Share of [from, to) covered by at least one open position (overlaps counted once). */
export function exposure(trades: readonly AnalyticsTrade[], from: number, to: number): number {
  if (to <= from) return 0;
  const spans = trades
    .filter((t) => t.openedAt !== null)
    .map((t) => [Math.max(from, t.openedAt!), Math.min(to, t.closedAt ?? to)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let end = from;
  for (const [a, b] of spans) {
    if (b <= end) continue;
    covered += b - Math.max(a, end);
    end = b;
  }
  return Math.round((covered / (to - from)) * 1e4) / 1e4;
}

export function summarize(trades: readonly AnalyticsTrade[], period: { from: number; to: number }): AnalyticsSummary {
  const closed = trades
    .filter(
      (t): t is AnalyticsTrade & { closedAt: number; pnl: number } =>
        t.closedAt !== null && t.pnl !== null && t.closedAt >= period.from && t.closedAt < period.to,
    )
    .sort((a, b) => a.closedAt - b.closedAt);
  const byDay = new Map<string, DailyRow>();
  let equity = 0;
  for (const t of closed) {
    const day = dayOf(t.closedAt);
    const row = byDay.get(day) ?? { day, pnl: 0, trades: 0, wins: 0, losses: 0, equity: 0 };
    row.pnl = cents(row.pnl + t.pnl);
    row.trades++;
    if (t.pnl > 0) row.wins++;
    else if (t.pnl < 0) row.losses++;
    equity = cents(equity + t.pnl);
    row.equity = equity;
    byDay.set(day, row);
  }
  const days = [...byDay.values()];
  const wins = closed.filter((t) => t.pnl > 0).length;
  return {
    days,
    totals: {
      net_pnl: equity,
      trades: closed.length,
      win_rate: closed.length ? Math.round((wins / closed.length) * 1e4) / 1e4 : null,
      max_drawdown: maxDrawdown(closed.map((t) => t.pnl)),
      sharpe: sharpe(days.map((d) => d.pnl)),
      exposure: exposure(trades, period.from, period.to),
    },
  };
}
