// `npm run backtest -- --data my.csv --config bot.json --out result.json`, run as a user runs it (tsx,
// a child process) on a small CSV (the last 700 S&P 500 daily bars): a custom symbol with its whole
// instrument in the file, custom rules with an exit rule and no stops; flags that override the
// file's instrument; SL/TP in pips on both sides; and a bad config refused with every zod issue,
// exit code 2 and no file written. The written report is checked trade by trade against a loop
// written here over the same bars (entries/exits at the next bar's open, the fill rules of
// docs/BACKTEST.md), with the overridden digits, contract size and commission.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { type BacktestReport, BacktestReportSchema } from "../../core/backtest/schema";
import { MIN_DECISION_BARS } from "../../core/decision/decide";
import { computeFeatures } from "../../core/features/compute";
import { featureIndex } from "../../core/features/schema";
import { parseBarsCsv } from "../../core/market/csv";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), "edgetrader-cli-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = readFileSync(join(ROOT, "models/data/sp500_daily.csv"), "utf8").trim().split("\n");
const CSV = join(dir, "spx_tail.csv");
writeFileSync(CSV, `${[lines[0], ...lines.slice(-700)].join("\n")}\n`);
const BARS = parseBarsCsv(readFileSync(CSV, "utf8")).bars;

function backtest(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "models/cli/backtest.ts", ...args], { cwd: ROOT });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => resolve({ code: code ?? -1, out, err }));
  });
}
const write = (name: string, json: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(json, null, 2));
  return p;
};
const report = (p: string): BacktestReport => BacktestReportSchema.parse(JSON.parse(readFileSync(p, "utf8")));

/** A whole instrument for a symbol the catalog doesn't ship. */
const MYINDEX = {
  kind: "index_cfd",
  baseCurrency: null,
  quoteCurrency: "USD",
  contractSize: 10,
  digits: 2,
  tickSize: 0.01,
  pipSize: 1,
  minLot: 1,
  lotStep: 1,
  maxLot: 100,
  leverage: 5,
  defaultSpreadPoints: 0,
  commissionPerLotPerSide: 1.5,
  commissionRatePerSide: 0,
};
const RSI_BOT = {
  symbol: "MYINDEX",
  strategy: {
    buy: { all: [{ indicator: "rsi_14", op: "<", value: 35 }] },
    exit_long: { all: [{ indicator: "rsi_14", op: ">", value: 65 }] },
  },
  risk: { stops: { mode: "none" }, sizing: { mode: "fixed", lots: 2 } },
  execution: { direction: "long_only", cooldownMinutes: 0, dailyTradeLimit: 1000 },
  instrument: MYINDEX,
};

/** The same rules written out: a signal at bar k's close acts at bar k+1's open; one position; the last closes at the last close. */
function referenceTrades() {
  const fm = computeFeatures(BARS);
  const rsi = (k: number) => fm.values[k * fm.stride + featureIndex("rsi_14")]!;
  const out: { entryTime: number; entryPrice: number; exitTime: number; exitPrice: number; reason: string }[] = [];
  let open: { entryTime: number; entryPrice: number } | null = null;
  for (let k = MIN_DECISION_BARS - 1; k + 1 < BARS.length; k++) {
    const next = BARS[k + 1]!;
    const price = Math.round(next.open * 100) / 100; // digits 2
    if (open && rsi(k) > 65) {
      out.push({ ...open, exitTime: next.time, exitPrice: price, reason: "signal" });
      open = null;
    } else if (!open && rsi(k) < 35) open = { entryTime: next.time, entryPrice: price };
  }
  const last = BARS.at(-1)!;
  if (open)
    out.push({ ...open, exitTime: last.time, exitPrice: Math.round(last.close * 100) / 100, reason: "end_of_data" });
  return out;
}

describe("npm run backtest -- --config bot.json", () => {
  it("backtests custom rules on a custom instrument and writes the report to --out", async () => {
    const out = join(dir, "nested", "rsi.json");
    const r = await backtest([
      "--data",
      CSV,
      "--config",
      write("rsi.json", RSI_BOT),
      "--balance",
      "100000",
      "--out",
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("MYINDEX backtest (rules), decisions on 1d");
    const rep = report(out);
    expect(rep.symbol).toBe("MYINDEX");
    expect(rep.decisionTimeframe).toBe("1d");
    expect(rep.costs).toEqual({ spreadPoints: 0, slippagePoints: 0, commissionPerLotPerSide: 1.5 });
    const ref = referenceTrades();
    expect(ref.length).toBeGreaterThanOrEqual(3);
    expect(
      rep.trades.map((t) => ({
        entryTime: t.entryTime,
        entryPrice: t.entryPrice,
        exitTime: t.exitTime,
        exitPrice: t.exitPrice,
        reason: t.reason,
      })),
    ).toEqual(ref);
    for (const t of rep.trades) {
      expect(t).toMatchObject({ side: "BUY", volume: 2, sl: null, tp: null, commission: 6 });
      // contract size 10 x 2 lots per point, minus 1.5 per lot per side.
      expect(t.netPnl).toBeCloseTo((t.exitPrice - t.entryPrice) * 20 - 6, 6);
    }
    // Every exit is stamped with the open time of a bar of the data (end of data too: no Saturday).
    const opens = new Set(BARS.map((b) => b.time));
    expect(rep.trades.every((t) => opens.has(t.exitTime))).toBe(true);
    expect(rep.notes.join("\n")).toContain("overridden: kind, baseCurrency");
  }, 60_000);

  it("flags override the file's instrument; a shipped symbol keeps its other fields", async () => {
    const bot = { ...RSI_BOT, symbol: "SPX500", instrument: { digits: 2, defaultSpreadPoints: 0 } };
    const out = join(dir, "flags.json");
    const r = await backtest([
      "--data",
      CSV,
      "--config",
      write("spx.json", bot),
      "--contract-size",
      "3",
      "--commission",
      "0.25",
      "--balance",
      "100000",
      "--out",
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    const rep = report(out);
    expect(rep.costs.commissionPerLotPerSide).toBe(0.25);
    expect(rep.trades.length).toBe(referenceTrades().length);
    for (const t of rep.trades) {
      expect(t.commission).toBeCloseTo(2 * 2 * 0.25, 9);
      expect(t.netPnl).toBeCloseTo((t.exitPrice - t.entryPrice) * 2 * 3 - 1, 6);
      expect(Math.round(t.entryPrice * 100) / 100).toBe(t.entryPrice);
    }
  }, 60_000);

  it("SL and TP in pips, both directions, from the file", async () => {
    const bot = {
      symbol: "MYINDEX",
      strategy: {
        buy: { all: [{ indicator: "rsi_14", op: "<", value: 40 }] },
        sell: { all: [{ indicator: "rsi_14", op: ">", value: 60 }] },
      },
      risk: { stops: { mode: "pips", sl: 40, tp: 80 }, sizing: { mode: "fixed", lots: 1 }, maxOpenPositions: 1 },
      execution: { cooldownMinutes: 0, dailyTradeLimit: 1000 },
      instrument: MYINDEX,
    };
    const out = join(dir, "pips.json");
    const r = await backtest(["--data", CSV, "--config", write("pips.json", bot), "--out", out]);
    expect(r.code, r.err).toBe(0);
    const rep = report(out);
    const sides = new Set(rep.trades.map((t) => t.side));
    expect(sides).toEqual(new Set(["BUY", "SELL"]));
    for (const t of rep.trades) {
      expect(t.sl).not.toBeNull();
      expect(t.tp).not.toBeNull();
      // Distances in pips (1.0 here) around the planned entry: TP twice as far as SL.
      expect(Math.abs(t.tp! - t.sl!)).toBeCloseTo(120, 6);
      if (t.reason === "sl" || t.reason === "tp") expect(BARS.some((b) => b.time === t.exitTime)).toBe(true);
    }
    expect(rep.trades.some((t) => t.reason === "sl" || t.reason === "tp")).toBe(true);
  }, 60_000);

  it("a bad config is refused with every zod issue, exit code 2, and no file", async () => {
    const bad = {
      symbol: "SPX500",
      strategy: { buy: { all: [{ indicator: "rsi_14", op: "<<", value: 30 }] } },
      risk: { stops: { mode: "none" }, sizing: { mode: "risk_pct", pct: 1 } },
      execution: { direction: "sideways" },
    };
    const out = join(dir, "bad-out.json");
    const r = await backtest(["--data", CSV, "--config", write("bad.json", bad), "--out", out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("bad config");
    expect(r.err).toMatch(/strategy\.buy: all\.0: op: /);
    expect(r.err).toMatch(/risk\.sizing: risk_pct sizing needs a stop loss/);
    expect(r.err).toMatch(/execution\.direction: /);
    expect(existsSync(out)).toBe(false);

    const badInstrument = await backtest([
      "--data",
      CSV,
      "--config",
      write("bad-instrument.json", { ...RSI_BOT, instrument: { ...MYINDEX, digits: "two", lotSize: 1 } }),
      "--out",
      out,
    ]);
    expect(badInstrument.code).toBe(2);
    expect(badInstrument.err).toMatch(/instrument\.digits: /);
    expect(badInstrument.err).toMatch(/lotSize/);
    const noSpec = await backtest([
      "--data",
      CSV,
      "--config",
      write("no-spec.json", { ...RSI_BOT, instrument: { digits: 2 } }),
      "--out",
      out,
    ]);
    expect(noSpec.code).toBe(2);
    expect(noSpec.err).toContain("no shipped spec for MYINDEX");
    const notJson = join(dir, "not.json");
    writeFileSync(notJson, "{ symbol: SPX500");
    const broken = await backtest(["--data", CSV, "--config", notJson, "--out", out]);
    expect(broken.code).toBe(2);
    expect(broken.err).toContain("not JSON");
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
