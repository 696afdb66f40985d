// POST /api/v1/ml/models/{id}/backtest and GET .../backtests/latest in workerd: the shipped USD/CHF
// models uploaded through the real artifact route, ORT in the user's object, history from the
// replay data up to the object's market clock, results in the object's SQLite.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { StoredBacktestSchema } from "../../core/backtest/api";
import { ApiErrorSchema } from "../../core/protocol/errors";
import { BotSchema } from "../../core/protocol/models-api";
import { replayFeed } from "../../durable-objects/market/replay-data";
import { SHIPPED_ENSEMBLE, SHIPPED_MODELS } from "../../durable-objects/prediction";
import type { UserBot } from "../../durable-objects/user-bot";
import { asCsvText, readCsv } from "../support/csv-read";
import { api, registerUser, type TestUser } from "./helpers";
import { userBot } from "./user-bot-stub";

async function botWithModels(u: TestUser, config: Record<string, unknown> = {}): Promise<string> {
  const res = await api("/api/v1/ml/models", {
    method: "POST",
    token: u.accessToken,
    json: { name: "bt", symbol: "USDCHF", config: { ensemble: { models: SHIPPED_ENSEMBLE }, ...config } },
  });
  expect(res.status).toBe(201);
  const bot = BotSchema.parse(await res.json());
  for (const m of SHIPPED_MODELS) {
    const up = await api(`/api/v1/ml/models/${bot.id}/artifact?timeframe=${m.timeframe}`, {
      method: "PUT",
      token: u.accessToken,
      body: new Uint8Array(m.bytes),
      headers: { "Content-Type": "application/octet-stream" },
    });
    expect(up.status, await up.clone().text()).toBe(201);
  }
  return bot.id;
}

async function expectError(res: Response, status: number, code: string) {
  expect(res.status, await res.clone().text()).toBe(status);
  expect(ApiErrorSchema.parse(await res.json()).error.code).toBe(code);
}

const backtest = (u: TestUser, id: string, json?: unknown) =>
  api(`/api/v1/ml/models/${id}/backtest`, {
    method: "POST",
    token: u.accessToken,
    ...(json === undefined ? {} : { json }),
  });

describe("backtest in the object", () => {
  it("runs the bot's ensemble over history up to the market clock, stores it, GET latest returns it", async () => {
    const u = await registerUser();
    const id = await botWithModels(u, { execution: { confidenceThreshold: 0.5, cooldownMinutes: 0 } });
    await expectError(
      await api(`/api/v1/ml/models/${id}/backtests/latest`, { token: u.accessToken }),
      404,
      "not_found",
    );
    const before = (await (
      await api(`/api/v1/ml/models/${id}/activate`, { method: "POST", token: u.accessToken })
    ).json()) as { backtest: unknown; warnings: string[] };
    expect(before.backtest).toBeNull();
    expect(before.warnings[0]).toMatch(/no backtest yet/);

    const res = await backtest(u, id, { walk_forward: 3, initial_balance: 25_000 });
    expect(res.status, await res.clone().text()).toBe(200);
    const { backtest: b } = {
      backtest: StoredBacktestSchema.parse(((await res.json()) as { backtest: unknown }).backtest),
    };
    const r = b.report;
    expect([r.symbol, r.mode, r.baseTimeframe, r.decisionTimeframe, r.initialBalance]).toEqual([
      "USDCHF",
      "models",
      "30m",
      "2h",
      25_000,
    ]);
    expect(r.windows).toHaveLength(3);
    expect(r.windows.reduce((a, w) => a + w.bars, 0)).toBe(r.summary.bars);
    expect(r.summary.metrics.trades).toBeGreaterThan(0);
    expect(r.trades.length).toBe(r.summary.metrics.trades);
    expect(r.equityCurve.length).toBeGreaterThan(10);
    // No bar after the object's market clock: the backtest ends before "now".
    const now = await runInDurableObject(userBot(u.userId), (_: UserBot, state) => {
      const row = state.storage.sql
        .exec<{ seed: number; speed: number; real_start: number }>(
          "SELECT seed, speed, real_start FROM market_replay_clock WHERE id = 1",
        )
        .one();
      return replayFeed("USDCHF", { seed: row.seed, speed: row.speed, realStart: row.real_start }).virtualNow();
    });
    expect(r.summary.end).toBeLessThanOrEqual(now);
    for (const t of r.trades) {
      // Next bar's open: the decision bar's close, or after a gap (weekend) the first bar after it.
      expect(t.entryTime).toBeGreaterThanOrEqual(t.decisionTime);
      expect(t.entryTime - t.decisionTime).toBeLessThan(4 * 86_400_000);
      expect(t.exitTime).toBeGreaterThanOrEqual(t.entryTime);
    }
    const pnl = r.trades.reduce((a, t) => a + t.netPnl, 0);
    expect(r.summary.metrics.finalEquity).toBeCloseTo(25_000 + pnl, 1);

    // Activation shows the latest backtest and warns when it loses to buy-and-hold.
    const act = await api(`/api/v1/ml/models/${id}/activate`, { method: "POST", token: u.accessToken });
    expect(act.status).toBe(200);
    const shown = (await act.json()) as {
      backtest: { metrics: { beatsBuyAndHold: boolean; totalReturn: number } } | null;
      warnings: string[];
    };
    expect(shown.backtest?.metrics.totalReturn).toBe(r.summary.metrics.totalReturn);
    expect(shown.warnings.some((w) => w.includes("loses to buy-and-hold"))).toBe(!r.summary.metrics.beatsBuyAndHold);

    const latest = await api(`/api/v1/ml/models/${id}/backtests/latest`, { token: u.accessToken });
    expect(latest.status).toBe(200);
    expect(StoredBacktestSchema.parse(((await latest.json()) as { backtest: unknown }).backtest).id).toBe(b.id);

    // Issue 22: the same report's trades as CSV, one row per trade, the schema's columns.
    const csv = await api(`/api/v1/ml/models/${id}/backtests/latest?format=csv`, { token: u.accessToken });
    expect(csv.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    const rows = readCsv(await csv.text());
    expect(rows).toEqual(r.trades.map((t) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, asCsvText(v)]))));
  }, 120_000);

  it("a window: from/to bound the simulated bars", async () => {
    const u = await registerUser();
    const id = await botWithModels(u);
    const res = await backtest(u, id, { from: "1998-01-01", to: "1998-07-01T00:00:00Z" });
    expect(res.status, await res.clone().text()).toBe(200);
    const r = StoredBacktestSchema.parse(((await res.json()) as { backtest: unknown }).backtest).report;
    expect(r.summary.start).toBe(Date.UTC(1998, 0, 1));
    expect(r.summary.end).toBeLessThanOrEqual(Date.UTC(1998, 6, 1));
  }, 120_000);

  it("another user's bot is a 404; bad bodies are 400 and store nothing", async () => {
    const owner = await registerUser();
    const other = await registerUser();
    const id = await botWithModels(owner);
    await expectError(await backtest(other, id, {}), 404, "not_found");
    await expectError(
      await api(`/api/v1/ml/models/${id}/backtests/latest`, { token: other.accessToken }),
      404,
      "not_found",
    );
    await expectError(await backtest(owner, id, { walk_forward: 1 }), 400, "validation_error");
    await expectError(await backtest(owner, id, { initial_balance: -5 }), 400, "validation_error");
    await expectError(await backtest(owner, id, { surprise: true }), 400, "validation_error");
    await expectError(await backtest(owner, id, { from: "2000-01-01", to: "1999-01-01" }), 400, "bad_request");
    await expectError(
      await api(`/api/v1/ml/models/${id}/backtests/latest`, { token: owner.accessToken }),
      404,
      "not_found",
    );
    await expectError(await api(`/api/v1/ml/models/${id}/backtest`, { method: "POST" }), 401, "unauthorized");
  }, 120_000);
});
