// `npm run backtest -- --source delta ...` against the local Delta server (scripts/delta-sim: Delta's
// REST candles, the real BTC/USDT hourly file re-dated to end now): the CLI fetches the range in
// pages of 2,000 over REST (a 429 with X-RATE-LIMIT-RESET is waited out), caches the candles as CSV,
// backtests the shipped BTCUSD 1h model; with the server stopped, the same command runs from the cache.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { BacktestReport } from "../../core/backtest/schema";
import { parseBarsCsv } from "../../core/market/csv";
import { loadMarket } from "../../scripts/delta-sim/markets";
import { startDeltaSim } from "../../scripts/delta-sim/server";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const H = 3_600_000;
const dir = mkdtempSync(join(tmpdir(), "edgetrader-delta-bt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function backtest(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "models/cli/backtest.ts", ...args], { cwd: ROOT });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code: code ?? -1, out }));
  });
}

const minute = (t: number) => new Date(t).toISOString().slice(0, 16);

describe("backtest --source delta", () => {
  it("fetches over REST (pages, a 429 waited out), caches to CSV, and reruns offline from the cache", async () => {
    const sim = await startDeltaSim({ markets: [loadMarket("BTCUSD")], base: "1h", speed: 1, history: 6000 });
    const to = Math.floor(sim.simNow() / H) * H - 5 * H;
    const from = to - 2999 * H; // 3,000 candles: two requests of at most 2,000
    const args = [
      "--source",
      "delta",
      "--delta-url",
      sim.url,
      "--cache",
      join(dir, "cache"),
      "--symbol",
      "BTCUSD",
      "--source-timeframe",
      "1h",
      "--from",
      minute(from),
      "--to",
      minute(to),
      "--models",
      "models/trained/btcusd_1h.onnx",
      "--threshold",
      "0.5",
    ];
    sim.faults.rateLimit = { count: 1, resetMs: 300 };
    const first = await backtest([...args, "--out", join(dir, "first.json")]);
    const truth = sim.closedCandles("BTCUSD", "1h", from, to);
    const stats = { ...sim.stats };
    await sim.close();
    expect(first.code, first.out).toBe(0);
    expect(stats.rateLimited).toBe(1);
    expect(stats.restRequests).toBe(3); // the 429, then two pages
    expect(first.out).toMatch(/fetched from http:\/\/127\.0\.0\.1:\d+ in 2 requests/);

    const file = /data: (\S+\.csv)/.exec(first.out)![1]!;
    expect(existsSync(file)).toBe(true);
    const cached = parseBarsCsv(readFileSync(file, "utf8"));
    expect(cached.issues).toEqual([]);
    expect(cached.bars).toEqual(truth); // every candle the server has in the range, none invented
    // The file's known outages fall inside the range or not; either way they stay holes.
    expect(first.out).toContain(`${3000 - truth.length} candles missing`);

    // The server is gone: the same command reads the cache and gives the same backtest.
    const second = await backtest([...args, "--out", join(dir, "second.json")]);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain("cached; no request");
    const a = JSON.parse(readFileSync(join(dir, "first.json"), "utf8")) as BacktestReport;
    const b = JSON.parse(readFileSync(join(dir, "second.json"), "utf8")) as BacktestReport;
    expect(b.summary).toEqual(a.summary);
    expect(a.summary.decisionBars).toBeGreaterThan(2000);
  });

  it("refuses --source delta without a range, and --data with it (exit 2, nothing fetched)", async () => {
    const noRange = await backtest(["--source", "delta", "--symbol", "BTCUSD", "--models", "x.onnx"]);
    expect(noRange.code).toBe(2);
    expect(noRange.out).toContain("--source delta needs --from and --to");
    const both = await backtest([
      "--source",
      "delta",
      "--data",
      "models/data/btcusdt_1h.csv",
      "--symbol",
      "BTCUSD",
      "--models",
      "x.onnx",
      "--from",
      "2020-01-01",
      "--to",
      "2020-02-01",
    ]);
    expect(both.code).toBe(2);
    expect(both.out).toContain("--source delta fetches its own");
  });
});
