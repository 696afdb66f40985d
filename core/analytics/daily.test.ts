import { describe, expect, it } from "vitest";
import { exposure, maxDrawdown, sharpe, summarize } from "./daily";

const D = (s: string) => Date.parse(`${s}Z`);

describe("analytics (hand-computed)", () => {
  it("max drawdown is the largest fall from a running peak, starting at 0", () => {
    // equity: 100, 50, 120, 20, 70 -> peak 120, trough 20 -> 100
    expect(maxDrawdown([100, -50, 70, -100, 50])).toBe(100);
    // all losses from 0: -10, -30 -> 30
    expect(maxDrawdown([-10, -20])).toBe(30);
    expect(maxDrawdown([5, 5])).toBe(0);
  });

  it("sharpe: mean / sample stdev x sqrt(252)", () => {
    // [10, -10, 30]: mean 10, sample var ((0)+(400)+(400))/2 = 400, sd 20 -> 0.5 * 15.874507866 = 7.9373
    expect(sharpe([10, -10, 30])).toBe(7.9373);
    expect(sharpe([10])).toBeNull();
    expect(sharpe([5, 5, 5])).toBeNull();
  });

  it("exposure counts overlapping positions once and clips to the period", () => {
    const from = D("2024-01-01T00:00:00");
    const to = D("2024-01-01T10:00:00");
    const h = 3600_000;
    const trades = [
      { openedAt: from + 1 * h, closedAt: from + 3 * h, pnl: 1 }, // 1..3
      { openedAt: from + 2 * h, closedAt: from + 4 * h, pnl: 1 }, // overlaps -> 1..4 = 3 h
      { openedAt: from - 5 * h, closedAt: from + 1 * h, pnl: 1 }, // clipped 0..1 -> joins: 0..4 = 4 h
      { openedAt: from + 8 * h, closedAt: null, pnl: null }, // open: 8..10 = 2 h
    ];
    expect(exposure(trades, from, to)).toBe(0.6);
  });

  it("daily rows, totals and win rate", () => {
    const trades = [
      { openedAt: D("2024-03-01T09:00:00"), closedAt: D("2024-03-01T10:00:00"), pnl: 25.5 },
      { openedAt: D("2024-03-01T11:00:00"), closedAt: D("2024-03-01T12:00:00"), pnl: -10.25 },
      { openedAt: D("2024-03-02T09:00:00"), closedAt: D("2024-03-02T23:59:00"), pnl: -40 },
      { openedAt: D("2024-03-04T09:00:00"), closedAt: D("2024-03-04T10:00:00"), pnl: 0 },
      { openedAt: D("2024-03-05T09:00:00"), closedAt: null, pnl: null },
    ];
    const s = summarize(trades, { from: D("2024-03-01T00:00:00"), to: D("2024-03-06T00:00:00") });
    expect(s.days).toEqual([
      { day: "2024-03-01", pnl: 15.25, trades: 2, wins: 1, losses: 1, equity: 15.25 },
      { day: "2024-03-02", pnl: -40, trades: 1, wins: 0, losses: 1, equity: -24.75 },
      { day: "2024-03-04", pnl: 0, trades: 1, wins: 0, losses: 0, equity: -24.75 },
    ]);
    expect(s.totals.net_pnl).toBe(-24.75);
    expect(s.totals.trades).toBe(4);
    expect(s.totals.win_rate).toBe(0.25);
    // equity 25.5, 15.25, -24.75, -24.75: peak 25.5 -> trough -24.75 = 50.25
    expect(s.totals.max_drawdown).toBe(50.25);
    // daily [15.25, -40, 0]: mean -8.25; deviations 23.5, -31.75, 8.25 -> squares 552.25, 1008.0625, 68.0625
    // var = 1628.375 / 2 = 814.1875, sd = 28.534 -> -8.25/28.53397 * 15.8745 = -4.5897
    expect(s.totals.sharpe).toBeCloseTo(-4.5897, 3);
    // open time: 1h + 1h + ~15h + 1h + (from 03-05 09:00 to end) 15h over 120 h
    expect(s.totals.exposure).toBeCloseTo((1 + 1 + (14 + 59 / 60) + 1 + 15) / 120, 4);
  });
});
