import { describe, expect, it } from "vitest";
import { TimeframeCache } from "./cache";

const T = Date.UTC(2024, 0, 2, 12, 0);
const MIN = 60_000;

describe("TimeframeCache", () => {
  it("keeps an entry until the next bar close of its timeframe (+grace), then drops it", () => {
    let now = T + 7 * MIN;
    const c = new TimeframeCache<string>(() => now, { graceMs: 10_000 });
    c.set("BTCUSD:15m", "15m", "a");
    c.set("BTCUSD:4h", "4h", "b");
    now = T + 15 * MIN + 9_999;
    expect(c.get("BTCUSD:15m")).toBe("a");
    now = T + 15 * MIN + 10_000;
    expect(c.get("BTCUSD:15m")).toBeUndefined();
    expect(c.get("BTCUSD:4h")).toBe("b"); // 4h bucket 12:00-16:00 closes at 16:00
    now = T + 4 * 60 * MIN + 10_000;
    expect(c.get("BTCUSD:4h")).toBeUndefined();
  });

  it("getOrLoad loads once per bar and does not cache rejected values", async () => {
    let now = T;
    let loads = 0;
    const c = new TimeframeCache<{ ok: boolean }>(() => now);
    const load = async () => ({ ok: ++loads !== 1 }); // first load fails
    const ok = (v: { ok: boolean }) => v.ok;
    expect((await c.getOrLoad("k", "1h", load, ok)).ok).toBe(false);
    expect((await c.getOrLoad("k", "1h", load, ok)).ok).toBe(true);
    await c.getOrLoad("k", "1h", load, ok);
    expect(loads).toBe(2);
    now = T + 60 * MIN;
    await c.getOrLoad("k", "1h", load, ok);
    expect(loads).toBe(3);
  });

  it("is bounded", () => {
    const c = new TimeframeCache<number>(() => T, { maxEntries: 2 });
    c.set("a", "1h", 1);
    c.set("b", "1h", 2);
    c.set("c", "1h", 3);
    expect(c.size).toBe(2);
    expect(c.get("a")).toBeUndefined();
    expect(c.get("c")).toBe(3);
  });
});
