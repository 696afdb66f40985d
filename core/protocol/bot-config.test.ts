import { describe, expect, it } from "vitest";
import { BotConfigBodySchema, BotConfigSchema, mergeConfigPatch } from "./bot-config";

const issues = (x: unknown) => {
  const r = BotConfigSchema.safeParse(x);
  if (r.success) throw new Error("expected a validation error");
  return r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
};

describe("bot config", () => {
  it("fills every default from a symbol alone", () => {
    expect(BotConfigSchema.parse({ symbol: "USDCHF" })).toEqual({
      symbol: "USDCHF",
      ensemble: {
        models: [
          { timeframe: "15m", weight: 0.3 },
          { timeframe: "1h", weight: 0.25 },
          { timeframe: "4h", weight: 0.45 },
        ],
      },
      strategy: { buy: null, sell: null, exit_long: null, exit_short: null },
      risk: {
        stops: { mode: "atr", slAtrMult: 1.5, tpAtrMult: 3 },
        minRiskReward: 1.5,
        sizing: { mode: "fixed", lots: 0.1 },
        maxOpenPositions: 1,
        stopsFrom: "decision",
      },
      execution: {
        target: "paper",
        confidenceThreshold: 0.7,
        cooldownMinutes: 30,
        dailyTradeLimit: 5,
        cadenceMinutes: 15,
        direction: "both",
        positionMode: "hedging",
      },
      exits: { onOppositeSignal: false, reverse: false, trailing: null, breakeven: null, maxHoldMinutes: null },
      protections: { stoplossGuard: null, maxDrawdown: null, dailyLossLimit: null },
    });
  });

  it("fills defaults inside a partly given section and variant", () => {
    const c = BotConfigSchema.parse({
      symbol: "EURUSD",
      risk: { sizing: { mode: "risk_pct" } },
      execution: { confidenceThreshold: 0.8 },
    });
    expect(c.risk.sizing).toEqual({ mode: "risk_pct", pct: 1 });
    expect(c.risk.stops).toEqual({ mode: "atr", slAtrMult: 1.5, tpAtrMult: 3 });
    expect(c.execution).toMatchObject({ confidenceThreshold: 0.8, cooldownMinutes: 30 });
  });

  it("rejects weights that don't sum to 1, naming the sum and the parts", () => {
    expect(
      issues({
        symbol: "X",
        ensemble: {
          models: [
            { timeframe: "15m", weight: 0.5 },
            { timeframe: "1h", weight: 0.3 },
          ],
        },
      }),
    ).toEqual([{ path: "ensemble.models", message: "model weights must sum to 1, got 0.8 (15m=0.5 + 1h=0.3)" }]);
    // Float noise well inside 1e-6 is fine: 0.1 + 0.2 + 0.7 = 0.9999999999999999.
    expect(
      BotConfigSchema.safeParse({
        symbol: "X",
        ensemble: {
          models: [
            { timeframe: "15m", weight: 0.1 },
            { timeframe: "1h", weight: 0.2 },
            { timeframe: "4h", weight: 0.7 },
          ],
        },
      }).success,
    ).toBe(true);
  });

  it("rejects repeated timeframes, unknown timeframes, zero weights and too many models", () => {
    expect(
      issues({
        symbol: "X",
        ensemble: {
          models: [
            { timeframe: "1h", weight: 0.5 },
            { timeframe: "1h", weight: 0.5 },
          ],
        },
      }),
    ).toEqual([
      { path: "ensemble.models.1.timeframe", message: "timeframe 1h appears twice; one model per timeframe" },
    ]);
    expect(issues({ symbol: "X", ensemble: { models: [{ timeframe: "3h", weight: 1 }] } })[0]!.path).toBe(
      "ensemble.models.0.timeframe",
    );
    expect(
      issues({
        symbol: "X",
        ensemble: {
          models: [
            { timeframe: "1h", weight: 0 },
            { timeframe: "4h", weight: 1 },
          ],
        },
      })[0]!.message,
    ).toBe("weight must be > 0");
    const seven = ["1m", "5m", "15m", "30m", "1h", "2h", "4h"].map((timeframe) => ({ timeframe, weight: 1 / 7 }));
    expect(issues({ symbol: "X", ensemble: { models: seven } })[0]!.message).toMatch(/at most 6 models/);
    expect(issues({ symbol: "X", ensemble: { models: [] } })[0]!.message).toMatch(/at least 1 model/);
  });

  it("checks ranges: confidence 0.5..1, risk pct (0, 5], stops against the minimum risk:reward", () => {
    expect(issues({ symbol: "X", execution: { confidenceThreshold: 0.33 } })[0]!.path).toBe(
      "execution.confidenceThreshold",
    );
    expect(issues({ symbol: "X", risk: { sizing: { mode: "risk_pct", pct: 6 } } })[0]!.message).toMatch(
      /pct must be <= 5/,
    );
    expect(issues({ symbol: "X", risk: { sizing: { mode: "risk_pct", pct: 0 } } })[0]!.message).toMatch(
      /pct must be > 0/,
    );
    expect(issues({ symbol: "X", risk: { stops: { mode: "pips", sl: 20, tp: 20 } } })).toEqual([
      { path: "risk.stops", message: "stops give risk:reward 1, below minRiskReward 1.5" },
    ]);
    expect(issues({ symbol: "X", execution: { turbo: true } })[0]!.message).toMatch(/Unrecognized key: "turbo"/);
    expect(issues({ symbol: "bad symbol!" })[0]!.path).toBe("symbol");
  });

  it("merges a patch: objects by key, arrays and variants replaced whole", () => {
    const base = BotConfigBodySchema.parse({
      strategy: { buy: { all: [{ indicator: "rsi_14", op: "<", value: 30 }] } },
    });
    const merged = BotConfigBodySchema.parse(
      mergeConfigPatch(base, {
        execution: { cooldownMinutes: 60 },
        risk: { stops: { mode: "pips", sl: 20, tp: 50 } },
        ensemble: { models: [{ timeframe: "1h", weight: 1 }] },
        strategy: { buy: { any: [{ indicator: "rsi_14", op: "<", value: 25 }] } },
      }),
    );
    expect(merged.execution).toEqual({ ...base.execution, cooldownMinutes: 60 });
    expect(merged.risk).toEqual({ ...base.risk, stops: { mode: "pips", sl: 20, tp: 50 } });
    expect(merged.ensemble.models).toEqual([{ timeframe: "1h", weight: 1 }]);
    expect(merged.strategy).toEqual({
      buy: { any: [{ indicator: "rsi_14", op: "<", value: 25 }] },
      sell: null,
      exit_long: null,
      exit_short: null,
    });
    // null clears a direction's rules; the base object is not mutated.
    expect(BotConfigBodySchema.parse(mergeConfigPatch(base, { strategy: { buy: null } })).strategy.buy).toBeNull();
    expect(base.strategy.buy).not.toBeNull();
    // A partial stops change merges into the stored variant and is checked against minRiskReward (3/3 < 1.5).
    expect(BotConfigBodySchema.safeParse(mergeConfigPatch(base, { risk: { stops: { slAtrMult: 3 } } })).success).toBe(
      false,
    );
  });

  it("stops are optional: either level may be null, pips without a key means none, mode none has neither", () => {
    expect(BotConfigSchema.parse({ symbol: "X", risk: { stops: { mode: "pips", sl: 20 } } }).risk.stops).toEqual({
      mode: "pips",
      sl: 20,
      tp: null,
    });
    expect(
      BotConfigSchema.parse({ symbol: "X", risk: { stops: { mode: "atr", tpAtrMult: null } } }).risk.stops,
    ).toEqual({ mode: "atr", slAtrMult: 1.5, tpAtrMult: null });
    expect(BotConfigSchema.parse({ symbol: "X", risk: { stops: { mode: "none" } } }).risk.stops).toEqual({
      mode: "none",
    });
    // Without both levels there is no ratio to check against minRiskReward.
    expect(
      BotConfigSchema.safeParse({ symbol: "X", risk: { stops: { mode: "pips", sl: 50, tp: null }, minRiskReward: 3 } })
        .success,
    ).toBe(true);
  });

  it("refuses combinations that can't work, with the reason", () => {
    // risk_pct sizes by the loss at the stop: no stop, no size.
    expect(issues({ symbol: "X", risk: { stops: { mode: "none" }, sizing: { mode: "risk_pct", pct: 1 } } })).toEqual([
      {
        path: "risk.sizing",
        message: "risk_pct sizing needs a stop loss (it sizes by the loss at the stop); set stops or use fixed lots",
      },
    ]);
    expect(
      issues({ symbol: "X", risk: { stops: { mode: "atr", slAtrMult: null }, sizing: { mode: "risk_pct" } } })[0]!.path,
    ).toBe("risk.sizing");
    expect(issues({ symbol: "X", exits: { reverse: true } })).toEqual([
      {
        path: "exits.reverse",
        message:
          "reverse needs exits.onOppositeSignal (or execution.positionMode netting): nothing closes on the opposite signal to reverse from",
      },
    ]);
    expect(
      BotConfigSchema.safeParse({ symbol: "X", exits: { reverse: true }, execution: { positionMode: "netting" } })
        .success,
    ).toBe(true);
    expect(BotConfigBodySchema.safeParse({ exits: { reverse: true } }).success).toBe(false);
    expect(issues({ symbol: "X", exits: { breakeven: { triggerPoints: 10, lockPoints: 10 } } })[0]!.path).toBe(
      "exits.breakeven.lockPoints",
    );
    expect(issues({ symbol: "X", execution: { direction: "longs" } })[0]!.path).toBe("execution.direction");
    expect(
      issues({ symbol: "X", execution: { target: "connector" }, exits: { trailing: { distancePoints: 100 } } })[0]!
        .path,
    ).toBe("exits.trailing");
  });
  it("refuses stops relative to the fill on an MT5 (connector) bot, with the reason", () => {
    const r = BotConfigSchema.safeParse({
      symbol: "EURUSD",
      risk: { stopsFrom: "fill" },
      execution: { target: "connector" },
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join("."))).toEqual(["risk.stopsFrom"]);
    expect(BotConfigSchema.parse({ symbol: "EURUSD", risk: { stopsFrom: "fill" } }).risk.stopsFrom).toBe("fill");
  });
});
