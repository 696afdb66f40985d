import { describe, expect, it } from "vitest";
import { stopBand, stopBandIssues } from "./stop-band";

describe("stopBandIssues", () => {
  it("passes levels inside the band and absent ones", () => {
    expect(stopBandIssues({ sl: 1.05, tp: 1.2 }, 1.1)).toEqual([]);
    expect(stopBandIssues({ sl: null, tp: null }, 1.1)).toEqual([]);
  });

  it("refuses the values issue 19 saw queued for the terminal, naming the band", () => {
    const issues = stopBandIssues({ sl: 5e-324, tp: 1e308 }, 1.1);
    expect(issues.map((i) => i.path)).toEqual(["sl", "tp"]);
    expect(issues[0]!.message).toBe("sl 5e-324 is outside 0.275..4.4 (1/4 to 4x the current price 1.1)");
    expect(issues[1]!.band).toEqual(stopBand(1.1));
  });
});
