import { describe, expect, it } from "vitest";
import { ProtectionsSchema } from "../protocol/bot-config";
import { type ClosedTradeFact, protectionLock } from "./protections";

const M = 60_000;
const D0 = Date.UTC(2024, 0, 2);
const stop = (min: number, pnl = -10, reason = "sl"): ClosedTradeFact => ({ time: D0 + min * M, reason, pnl });

describe("protections (Freqtrade semantics: a trigger at a trade's close locks until that close + the pause)", () => {
  const guard = ProtectionsSchema.parse({ stoplossGuard: { tradeLimit: 3, lookbackMinutes: 60, pauseMinutes: 30 } });

  it("stop-loss guard: N losing stop exits within the lookback pause entries from the Nth until + pause", () => {
    const trades = [stop(0), stop(20, -5, "trailing"), stop(50)];
    expect(protectionLock(guard, trades.slice(0, 2), 10_000, D0 + 55 * M)).toBeNull();
    const lock = protectionLock(guard, trades, 10_000, D0 + 55 * M)!;
    expect(lock.protection).toBe("stoploss_guard");
    expect(lock.until).toBe(D0 + 80 * M);
    expect(lock.message).toBe(
      "stop-loss guard: 3 stop losses within 60 min (limit 3); entries paused until 2024-01-02T01:20:00Z",
    );
    expect(protectionLock(guard, trades, 10_000, D0 + 80 * M)).toBeNull();
  });

  it("stop-loss guard counts only losing stops inside the window (tp, signal, a winning trailing stop do not count)", () => {
    expect(
      protectionLock(
        guard,
        [stop(0), stop(10, 5, "trailing"), stop(20, -1, "tp"), stop(30, -1, "signal"), stop(40)],
        10_000,
        D0 + 45 * M,
      ),
    ).toBeNull();
    // Spread over more than the lookback: the first falls out before the third.
    expect(protectionLock(guard, [stop(0), stop(40), stop(61)], 10_000, D0 + 62 * M)).toBeNull();
  });

  it("max drawdown: the realized peak-to-trough fall within the lookback, as % of the balance", () => {
    const md = ProtectionsSchema.parse({
      maxDrawdown: { maxDrawdownPct: 2, lookbackMinutes: 600, tradeLimit: 2, pauseMinutes: 60 },
    });
    const trades = [stop(0, 50, "tp"), stop(10, -120), stop(20, -90)];
    // Peak +50 after the first, trough -160: fall 210 = 2.1% of 10,000 at the third trade.
    expect(protectionLock(md, trades.slice(0, 2), 10_000, D0 + 15 * M)).toBeNull();
    const lock = protectionLock(md, trades, 10_000, D0 + 25 * M)!;
    expect(lock).toMatchObject({ protection: "max_drawdown", until: D0 + 80 * M });
    expect(lock.message).toMatch(/^max drawdown: 2\.10% of the balance within 600 min \(limit 2%\)/);
  });

  it("daily loss limit: the bot's realized loss today (UTC) pauses entries until the next UTC day", () => {
    const dl = ProtectionsSchema.parse({ dailyLossLimit: { amount: 100 } });
    const yesterday: ClosedTradeFact = { time: D0 - M, reason: "sl", pnl: -500 };
    expect(protectionLock(dl, [yesterday, stop(10, -60)], 10_000, D0 + 11 * M)).toBeNull();
    const lock = protectionLock(dl, [yesterday, stop(10, -60), stop(20, -40, "signal")], 10_000, D0 + 21 * M)!;
    expect(lock).toMatchObject({ protection: "daily_loss_limit", until: D0 + 86_400_000 });
    expect(lock.message).toBe(
      "daily loss limit: 100.00 lost today (UTC), limit 100; entries paused until 2024-01-03T00:00:00Z",
    );
  });
});
