import { describe, expect, it } from "vitest";
import { type BotConfigInput, BotConfigSchema } from "../protocol/bot-config";
import { type CycleSignals, cycleSignals, hasCycleExits, type OpenSide, planExits } from "./exits";

const cfg = (over: Partial<BotConfigInput> = {}) => BotConfigSchema.parse({ symbol: "USDCHF", ...over });
const sig = (entry: CycleSignals["entry"], exitLong = false, exitShort = false): CycleSignals => ({
  entry,
  exitLong,
  exitShort,
});
const long: OpenSide = { id: "L", side: "BUY", openTime: 0 };
const short: OpenSide = { id: "S", side: "SELL", openTime: 0 };
const H = 3600_000;

describe("planExits", () => {
  it("exit rules close their side with reason signal, whatever the entry signal", () => {
    const c = cfg({ strategy: { exit_long: { all: [{ indicator: "rsi_14", op: ">", value: 70 }] } } });
    const p = planExits(c, [long, short], { ...sig(null, true, false), exitLongWhy: "(rsi_14 > 70)" }, H);
    expect(p.exits).toEqual([{ id: "L", reason: "signal", message: "exit_long: (rsi_14 > 70)" }]);
    expect(p.entry).toBeNull();
  });

  it("hedging (default): the opposite signal opens beside the position unless onOppositeSignal closes it", () => {
    expect(planExits(cfg(), [long], sig("SELL"), H)).toEqual({ exits: [], entry: "SELL", entryBlocked: null });
    const closes = planExits(cfg({ exits: { onOppositeSignal: true } }), [long], sig("SELL"), H);
    expect(closes.exits.map((e) => [e.id, e.reason])).toEqual([["L", "signal"]]);
    expect(closes.entry).toBeNull();
    expect(closes.entryBlocked).toMatch(/reverse is off/);
    // reverse: close and open the other side in the same cycle.
    expect(planExits(cfg({ exits: { onOppositeSignal: true, reverse: true } }), [long], sig("SELL"), H).entry).toBe(
      "SELL",
    );
  });

  it("netting: one position per symbol; the opposite signal closes, reverse opens the other side", () => {
    const net = cfg({ execution: { positionMode: "netting" } });
    expect(planExits(net, [long], sig("BUY"), H)).toEqual({
      exits: [],
      entry: null,
      entryBlocked: "netting: one position per symbol and a long position is open",
    });
    const p = planExits(net, [long], sig("SELL"), H);
    expect(p.exits.map((e) => e.message)).toEqual(["opposite signal: SELL closes the long position (netting)"]);
    expect(p.entry).toBeNull();
    expect(
      planExits(cfg({ execution: { positionMode: "netting" }, exits: { reverse: true } }), [long], sig("SELL"), H)
        .entry,
    ).toBe("SELL");
    expect(planExits(net, [], sig("SELL"), H).entry).toBe("SELL");
  });

  it("long-only ignores SELL entries (a SELL may still close longs); short-only mirrors it", () => {
    const lo = cfg({ execution: { direction: "long_only" }, exits: { onOppositeSignal: true } });
    const p = planExits(lo, [long], sig("SELL"), H);
    expect(p.exits.map((e) => e.id)).toEqual(["L"]);
    expect(p.entry).toBeNull();
    expect(planExits(lo, [], sig("SELL"), H)).toEqual({
      exits: [],
      entry: null,
      entryBlocked: "long-only bot: a SELL signal opens no short",
    });
    expect(planExits(lo, [], sig("BUY"), H).entry).toBe("BUY");
    expect(planExits(cfg({ execution: { direction: "short_only" } }), [], sig("BUY"), H).entryBlocked).toBe(
      "short-only bot: a BUY signal opens no long",
    );
  });

  it("time exit: a position held maxHoldMinutes closes with reason time, also without a decision bar", () => {
    const c = cfg({ exits: { maxHoldMinutes: 120 } });
    expect(planExits(c, [long], null, 2 * H - 1).exits).toEqual([]);
    expect(planExits(c, [long], null, 2 * H).exits).toEqual([
      { id: "L", reason: "time", message: "time exit: held 120 min, limit 120 min" },
    ]);
    expect(hasCycleExits(c)).toBe(true);
    expect(hasCycleExits(cfg())).toBe(false);
  });

  it("cycleSignals: the entry needs the threshold, not a plan; exit groups from the prediction", () => {
    expect(cycleSignals({ direction: "SELL", confidence: 0.6, threshold: 0.7 })).toEqual({
      entry: null,
      exitLong: false,
      exitShort: false,
    });
    expect(
      cycleSignals({
        direction: "SELL",
        confidence: 0.7,
        threshold: 0.7,
        exits: { long: { passed: true, reason: "r" }, short: null },
      }),
    ).toEqual({ entry: "SELL", exitLong: true, exitShort: false, exitLongWhy: "r" });
  });
});
