import { describe, expect, it } from "vitest";
import { combine, runEnsemble } from "./consensus";
import { EnsembleResultSchema } from "./result";

describe("weighted consensus", () => {
  it("weights the class probabilities and reports confidence of the chosen class", () => {
    const r = combine([
      { timeframe: "15m", weight: 0.3, probabilities: [0.1, 0.2, 0.7] },
      { timeframe: "1h", weight: 0.25, probabilities: [0.6, 0.3, 0.1] },
      { timeframe: "4h", weight: 0.45, probabilities: [0.2, 0.2, 0.6] },
    ]);
    // SELL 0.03+0.15+0.09=0.27, HOLD 0.06+0.075+0.09=0.225, BUY 0.21+0.025+0.27=0.505
    expect(r.direction).toBe("BUY");
    expect(r.confidence).toBeCloseTo(0.505, 12);
    expect(r.probabilities![0]).toBeCloseTo(0.27, 12);
    expect(r.probabilities![1]).toBeCloseTo(0.225, 12);
    expect(r.breakdown.map((b) => b.direction)).toEqual(["BUY", "SELL", "BUY"]);
    expect(r.breakdown.map((b) => b.effectiveWeight)).toEqual([0.3, 0.25, 0.45]);
    expect(r.breakdown[1]!.confidence).toBe(0.6);
    expect(EnsembleResultSchema.parse(r)).toEqual(r);
  });

  it("lets a heavier model outvote a more confident light one", () => {
    const r = combine([
      { timeframe: "15m", weight: 0.2, probabilities: [0, 0, 1] },
      { timeframe: "4h", weight: 0.8, probabilities: [0.7, 0.3, 0] },
    ]);
    expect(r.direction).toBe("SELL");
    expect(r.confidence).toBeCloseTo(0.56, 12);
  });

  it("excludes a throwing model, reports it unhealthy and renormalises the rest", async () => {
    const r = await runEnsemble(
      [
        { timeframe: "15m", weight: 0.5, probs: [0.8, 0.1, 0.1] },
        { timeframe: "1h", weight: 0.3, probs: null },
        { timeframe: "4h", weight: 0.2, probs: [0.2, 0.2, 0.6] },
      ],
      async (m) => {
        if (!m.probs) throw new Error("onnx session failed: bad input shape");
        return m.probs;
      },
    );
    const bad = r.breakdown[1]!;
    expect(bad).toMatchObject({
      timeframe: "1h",
      healthy: false,
      effectiveWeight: 0,
      direction: null,
      error: "onnx session failed: bad input shape",
    });
    expect(r.breakdown[0]!.effectiveWeight).toBeCloseTo(0.5 / 0.7, 12);
    expect(r.breakdown[2]!.effectiveWeight).toBeCloseTo(0.2 / 0.7, 12);
    expect(r.direction).toBe("SELL");
    expect(r.confidence).toBeCloseTo((0.5 * 0.8 + 0.2 * 0.2) / 0.7, 12);
    expect(r.healthyModels).toBe(2);
    expect(r.reason).toContain("1 unhealthy model excluded");
  });

  it("treats malformed probabilities as an unhealthy model", () => {
    const r = combine([
      { timeframe: "15m", weight: 0.5, probabilities: [0.5, 0.5] },
      { timeframe: "1h", weight: 0.25, probabilities: [0.9, 0.9, 0.9] },
      { timeframe: "4h", weight: 0.25, probabilities: [0.1, 0.1, 0.8] },
    ]);
    expect(r.breakdown[0]!.error).toMatch(/expected 3 probabilities/);
    expect(r.breakdown[1]!.error).toMatch(/sum to 1, got 2.7/);
    expect(r.direction).toBe("BUY");
    expect(r.confidence).toBeCloseTo(0.8, 12);
  });

  it("holds with the reasons when every model fails", async () => {
    const r = await runEnsemble(
      [
        { timeframe: "15m", weight: 0.6 },
        { timeframe: "1h", weight: 0.4 },
      ],
      (m) => {
        throw new Error(`no artifact for ${m.timeframe}`);
      },
    );
    expect(r.direction).toBe("HOLD");
    expect(r.confidence).toBe(0);
    expect(r.probabilities).toBeNull();
    expect(r.healthyModels).toBe(0);
    expect(r.reason).toBe("no healthy model (15m: no artifact for 15m; 1h: no artifact for 1h)");
    expect(r.breakdown.every((b) => !b.healthy)).toBe(true);
  });

  it("holds on a tie between BUY and SELL", () => {
    const r = combine([
      { timeframe: "15m", weight: 0.5, probabilities: [0.1, 0.2, 0.7] },
      { timeframe: "1h", weight: 0.5, probabilities: [0.7, 0.2, 0.1] },
    ]);
    expect(r.direction).toBe("HOLD");
    expect(r.reason).toMatch(/tie between SELL and BUY/);
    expect(r.confidence).toBeCloseTo(0.2, 12);
  });

  it("holds with a reason when no model is configured", () => {
    const r = combine([]);
    expect(r).toMatchObject({ direction: "HOLD", confidence: 0, reason: "no models configured" });
  });
});
