// Metrics on a tiny, hand-computed case. The expected numbers below were worked out by hand:
// daily closes 1100, 990, 1089 from 1000 -> returns +0.1, -0.1, +0.1; mean 0.0333333;
// sample sd sqrt((0.0666667^2*2 + 0.1333333^2)/2) = 0.1154701 -> Sharpe 0.2886751*sqrt(252) = 4.582576;
// downside sd sqrt(0.01/3) = 0.0577350 -> Sortino 0.5773503*sqrt(252) = 9.165151;
// drawdown 1100 -> 990 = 10%; trades +100 -60 -50 +99: PF 199/110 = 1.809091, expectancy 89/4 = 22.25.
import { describe, expect, it } from "vitest";
import { computeMetrics, dailyCloses } from "./metrics";

const DAY = 86_400_000;
const H = 3_600_000;
const D1 = 10 * DAY;

describe("computeMetrics", () => {
  const input = {
    initialBalance: 1000,
    trades: [{ netPnl: 100 }, { netPnl: -60 }, { netPnl: -50 }, { netPnl: 99 }],
    times: [D1 + 10 * H, D1 + 20 * H, D1 + DAY + 10 * H, D1 + DAY + 20 * H, D1 + 2 * DAY + 10 * H],
    equity: [1000, 1100, 1050, 990, 1089],
    barsInMarket: 3,
    start: D1,
    end: D1 + 365.25 * DAY,
    firstOpen: 2.0,
    lastClose: 2.5,
  };
  const m = computeMetrics(input, [2.0, 2.2, 1.98, 2.5]);

  it("returns, CAGR, drawdown", () => {
    expect(m.finalEquity).toBe(1089);
    expect(m.totalReturn).toBeCloseTo(0.089, 9);
    expect(m.cagr).toBeCloseTo(0.089, 6); // exactly one 365.25-day year
    expect(m.maxDrawdown).toBeCloseTo(0.1, 9);
    expect(m.tradingDays).toBe(3);
  });

  it("Sharpe and Sortino on daily returns, sqrt(252)", () => {
    expect(m.sharpe).toBeCloseTo(4.582576, 5);
    expect(m.sortino).toBeCloseTo(9.165151, 5);
  });

  it("trade statistics and exposure", () => {
    expect([m.trades, m.wins, m.losses]).toEqual([4, 2, 2]);
    expect(m.winRate).toBe(0.5);
    expect(m.grossProfit).toBe(199);
    expect(m.grossLoss).toBe(110);
    expect(m.profitFactor).toBeCloseTo(1.809091, 6);
    expect(m.expectancy).toBe(22.25);
    expect(m.exposure).toBe(0.6);
  });

  it("buy-and-hold over the same period", () => {
    expect(m.buyAndHold.totalReturn).toBeCloseTo(0.25, 9);
    expect(m.buyAndHold.cagr).toBeCloseTo(0.25, 6);
    expect(m.buyAndHold.maxDrawdown).toBeCloseTo(0.1, 9);
    expect(m.excessReturn).toBeCloseTo(-0.161, 9);
    expect(m.beatsBuyAndHold).toBe(false);
  });

  it("no trades, flat equity: nulls, not NaN", () => {
    const flat = computeMetrics({ ...input, trades: [], equity: [1000, 1000, 1000, 1000, 1000], barsInMarket: 0 });
    expect([flat.winRate, flat.profitFactor, flat.expectancy, flat.sharpe, flat.sortino]).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(flat.totalReturn).toBe(0);
  });

  it("a bar closing at midnight counts for the day it ran in", () => {
    expect(dailyCloses([D1 + 23 * H, D1 + DAY, D1 + DAY + H], [1, 2, 3])).toEqual([2, 3]);
  });
});
