import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { runEnsemble } from "../../core/ensemble/consensus";
import { ApiErrorSchema } from "../../core/protocol/errors";
import { type Bot, BotListSchema, BotSchema } from "../../core/protocol/models-api";
import { evaluate } from "../../core/strategy/evaluate";
import { strategyPreset } from "../../core/strategy/presets";
import { activeBots, usersWithActiveBots } from "../../platform/bots/store";
import { db } from "../../platform/db/client";
import { SHIPPED_BY_SYMBOL } from "../../platform/ml/shipped-models";
import { api, authedFetch, registerUser, type TestUser } from "./helpers";

const M = "/api/v1/ml/models";

async function createBot(u: TestUser, body: unknown = { name: "usdchf swing", symbol: "USDCHF" }): Promise<Bot> {
  const res = await authedFetch(u.accessToken, M, { method: "POST", json: body });
  expect(res.status).toBe(201);
  return BotSchema.parse(await res.json());
}

async function botCount(userId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM bots WHERE user_id = ?")
    .bind(userId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

async function storedRow(id: string) {
  return env.DB.prepare("SELECT name, symbol, active, target, config, updated_at FROM bots WHERE id = ?")
    .bind(id)
    .first<Record<string, unknown>>();
}

async function errorOf(res: Response) {
  return ApiErrorSchema.parse(await res.json()).error;
}

describe("ml/models CRUD", () => {
  it("creates a bot with defaults, lists, gets, patches, activates, deactivates and deletes it", async () => {
    const u = await registerUser();
    const bot = await createBot(u);
    expect(bot).toMatchObject({ name: "usdchf swing", symbol: "USDCHF", active: false, target: "paper" });
    // Defaults fit the symbol: USD/CHF starts on the shipped 2h/4h/1d ensemble (its data is 30m).
    expect(bot.config.ensemble.models).toEqual([
      { timeframe: "2h", weight: 0.3 },
      { timeframe: "4h", weight: 0.3 },
      { timeframe: "1d", weight: 0.4 },
    ]);
    expect(bot.config.execution).toEqual({
      target: "paper",
      confidenceThreshold: 0.7,
      cooldownMinutes: 30,
      dailyTradeLimit: 5,
      cadenceMinutes: 15,
      direction: "both",
      positionMode: "hedging",
    });
    expect(bot.config.exits).toEqual({
      onOppositeSignal: false,
      reverse: false,
      trailing: null,
      breakeven: null,
      maxHoldMinutes: null,
    });
    expect(JSON.parse(String((await storedRow(bot.id))?.config))).toEqual(bot.config);

    const list = BotListSchema.parse(await (await authedFetch(u.accessToken, M)).json());
    expect(list.models).toEqual([bot]);
    const got = await authedFetch(u.accessToken, `${M}/${bot.id}`);
    expect(got.status).toBe(200);
    expect(BotSchema.parse(await got.json())).toEqual(bot);

    const seeds = strategyPreset("rsi_macd_reversal")!.strategy;
    const patched = await authedFetch(u.accessToken, `${M}/${bot.id}`, {
      method: "PATCH",
      json: {
        name: "renamed",
        config: {
          strategy: seeds,
          execution: { target: "connector", cooldownMinutes: 60 },
          ensemble: {
            models: [
              { timeframe: "2h", weight: 0.6 },
              { timeframe: "1d", weight: 0.4 },
            ],
          },
        },
      },
    });
    expect(patched.status).toBe(200);
    const p = BotSchema.parse(await patched.json());
    expect(p).toMatchObject({ name: "renamed", target: "connector", symbol: "USDCHF" });
    expect(p.config.strategy).toEqual(seeds);
    expect(p.config.execution).toEqual({ ...bot.config.execution, target: "connector", cooldownMinutes: 60 });
    expect(p.config.risk).toEqual(bot.config.risk);
    expect(Date.parse(p.updated_at)).toBeGreaterThan(Date.parse(bot.updated_at));
    expect((await storedRow(bot.id))?.target).toBe("connector");

    const act = await authedFetch(u.accessToken, `${M}/${bot.id}/activate`, { method: "POST" });
    expect(act.status).toBe(200);
    expect(BotSchema.parse(await act.json()).active).toBe(true);
    expect((await activeBots(db(env), u.userId)).map((b) => b.row.id)).toEqual([bot.id]);
    expect(await usersWithActiveBots(db(env), "", 10_000)).toContain(u.userId);

    const deact = await authedFetch(u.accessToken, `${M}/${bot.id}/deactivate`, { method: "POST" });
    expect(BotSchema.parse(await deact.json()).active).toBe(false);
    expect(await activeBots(db(env), u.userId)).toEqual([]);

    const del = await authedFetch(u.accessToken, `${M}/${bot.id}`, { method: "DELETE" });
    expect(del.status).toBe(204);
    expect(await botCount(u.userId)).toBe(0);
    expect((await authedFetch(u.accessToken, `${M}/${bot.id}`)).status).toBe(404);
    expect((await authedFetch(u.accessToken, `${M}/${bot.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("lists only the caller's bots", async () => {
    const [a, b] = [await registerUser(), await registerUser()];
    const a1 = await createBot(a, { name: "a1", symbol: "EURUSD" });
    await createBot(b, { name: "b1", symbol: "EURUSD" });
    const list = BotListSchema.parse(await (await authedFetch(a.accessToken, M)).json());
    expect(list.models.map((m) => m.id)).toEqual([a1.id]);
  });

  it("requires a valid token and stores nothing without one", async () => {
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM bots").first<{ n: number }>();
    for (const res of [
      await api(M),
      await api(M, { method: "POST", json: { name: "x", symbol: "USDCHF" } }),
      await authedFetch("not.a.token", M, { method: "POST", json: { name: "x", symbol: "USDCHF" } }),
    ]) {
      expect(res.status).toBe(401);
      expect((await errorOf(res)).code).toBe("unauthorized");
    }
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM bots").first<{ n: number }>()).toEqual(before);
  });
});

describe("ml/models validation", () => {
  it("weights not summing to 1 -> 400 with the sum in details, nothing stored", async () => {
    const u = await registerUser();
    const res = await authedFetch(u.accessToken, M, {
      method: "POST",
      json: {
        name: "bad",
        symbol: "USDCHF",
        config: {
          ensemble: {
            models: [
              { timeframe: "15m", weight: 0.5 },
              { timeframe: "1h", weight: 0.3 },
            ],
          },
        },
      },
    });
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.code).toBe("validation_error");
    expect(err.details).toEqual([
      {
        path: "config.ensemble.models",
        message: "model weights must sum to 1, got 0.8 (15m=0.5 + 1h=0.3)",
        code: "custom",
        in: "json",
      },
    ]);
    expect(await botCount(u.userId)).toBe(0);
  });

  it("unknown indicator in a strategy -> 400 listing valid names, nothing stored", async () => {
    const u = await registerUser();
    const res = await authedFetch(u.accessToken, M, {
      method: "POST",
      json: {
        name: "bad",
        symbol: "USDCHF",
        config: { strategy: { buy: { all: [{ indicator: "rsi_7", op: "<", value: 30 }] } } },
      },
    });
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    const details = err.details as { path: string; message: string }[];
    expect(details[0]!.path).toBe("config.strategy.buy");
    expect(details[0]!.message).toMatch(
      /^all\.0: indicator: unknown indicator "rsi_7"; valid names: .*rsi_14.*macd_signal/,
    );
    expect(await botCount(u.userId)).toBe(0);
  });

  it("PATCH whose merge is invalid -> 400 and the row is unchanged", async () => {
    const u = await registerUser();
    const bot = await createBot(u);
    const before = await storedRow(bot.id);
    const cases: unknown[] = [
      { name: "would rename", config: { ensemble: { models: [{ timeframe: "1h", weight: 0.7 }] } } },
      { config: { strategy: { sell: { any: [{ indicator: "nope", op: ">", value: 1 }] } } } },
      { config: { risk: { stops: { slAtrMult: 3 } } } }, // 3/3 breaks minRiskReward 1.5 only after merging
      { config: { symbol: "EURUSD" } },
      { config: { execution: { confidenceThreshold: 1.5 } } },
      {},
    ];
    for (const json of cases) {
      const res = await authedFetch(u.accessToken, `${M}/${bot.id}`, { method: "PATCH", json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect((await errorOf(res)).code).toBe("validation_error");
    }
    const stops = await authedFetch(u.accessToken, `${M}/${bot.id}`, {
      method: "PATCH",
      json: { config: { risk: { stops: { slAtrMult: 3 } } } },
    });
    expect((await errorOf(stops)).details).toEqual([
      { path: "config.risk.stops", message: "stops give risk:reward 1, below minRiskReward 1.5", code: "custom" },
    ]);
    expect(await storedRow(bot.id)).toEqual(before);
  });
});

describe("ml/models isolation", () => {
  it("answers 404 (never 403) for another user's bot on every id route and changes nothing", async () => {
    const alice = await registerUser();
    const mallory = await registerUser();
    const bot = await createBot(alice);
    const before = await storedRow(bot.id);
    const attempts: [string, string, unknown?][] = [
      ["GET", `${M}/${bot.id}`],
      ["PATCH", `${M}/${bot.id}`, { name: "pwned" }],
      ["DELETE", `${M}/${bot.id}`],
      ["POST", `${M}/${bot.id}/activate`],
      ["POST", `${M}/${bot.id}/deactivate`],
    ];
    for (const [method, path, json] of attempts) {
      const theirs = await authedFetch(mallory.accessToken, path, { method, ...(json ? { json } : {}) });
      const missing = await authedFetch(mallory.accessToken, path.replace(bot.id, crypto.randomUUID()), {
        method,
        ...(json ? { json } : {}),
      });
      expect(theirs.status, `${method} ${path}`).toBe(404);
      expect(missing.status).toBe(404);
      // Same answer as for an id that doesn't exist: nothing tells the ids apart.
      expect(await errorOf(theirs)).toEqual(await errorOf(missing));
    }
    expect(await storedRow(bot.id)).toEqual(before);
    expect((await authedFetch(alice.accessToken, `${M}/${bot.id}`)).status).toBe(200);
  });
});

describe("ml/models in the OpenAPI document", () => {
  it("documents every route, generated from the same schemas (indicator names included)", async () => {
    const res = await api("/api/v1/openapi.json");
    expect(res.status).toBe(200);
    const text = await res.text();
    const doc = JSON.parse(text) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths["/api/v1/ml/models"] ?? {}).sort()).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/api/v1/ml/models/{id}"] ?? {}).sort()).toEqual(["delete", "get", "patch"]);
    expect(doc.paths["/api/v1/ml/models/{id}/activate"]?.post).toBeDefined();
    expect(doc.paths["/api/v1/ml/models/{id}/deactivate"]?.post).toBeDefined();
    expect(text).toContain("crosses_above");
    expect(text).toContain("macd_signal");
  });
});

describe("decisions from a stored bot (inside workerd)", () => {
  it("the stored seeds strategy blocks a BUY it disagrees with and a throwing model is excluded", async () => {
    const u = await registerUser();
    const bot = await createBot(u, {
      name: "seeds",
      symbol: "EURUSD", // connector bars: any timeframe
      config: {
        strategy: strategyPreset("rsi_macd_reversal")!.strategy,
        ensemble: {
          models: [
            { timeframe: "15m", weight: 0.5 },
            { timeframe: "1h", weight: 0.2 },
            { timeframe: "4h", weight: 0.3 },
          ],
        },
      },
    });
    await authedFetch(u.accessToken, `${M}/${bot.id}/activate`, { method: "POST" });
    const [stored] = await activeBots(db(env), u.userId);
    const config = stored!.config;

    const outputs: Record<string, number[] | Error> = {
      "15m": [0.1, 0.1, 0.8],
      "1h": new Error("artifact missing in R2"),
      "4h": [0.2, 0.1, 0.7],
    };
    const consensus = await runEnsemble(config.ensemble.models, (m) => {
      const out = outputs[m.timeframe]!;
      if (out instanceof Error) throw out;
      return out;
    });
    expect(consensus.direction).toBe("BUY");
    expect(consensus.confidence).toBeCloseTo((0.5 * 0.8 + 0.3 * 0.7) / 0.8, 12);
    expect(consensus.breakdown.find((b) => b.timeframe === "1h")).toMatchObject({
      healthy: false,
      error: "artifact missing in R2",
    });

    const snapshot = {
      current: { rsi_14: 45.2, macd: 0.002, macd_signal: 0.001 },
      previous: { rsi_14: 44, macd: 0.0005, macd_signal: 0.001 },
    };
    expect(evaluate(config.strategy, consensus.direction, snapshot)).toMatchObject({
      agreed: false,
      reason: "blocked by strategy: rsi_14 (45.2) < 30 failed",
    });
    expect(
      evaluate(config.strategy, consensus.direction, { ...snapshot, current: { ...snapshot.current, rsi_14: 28 } })
        .agreed,
    ).toBe(true);
  });

  it("a timeframe the symbol's data can't serve is refused at save time with the reason; the form's source says what it serves", async () => {
    const u = await registerUser();
    const market = (await (await authedFetch(u.accessToken, "/api/v1/market/symbols/USDCHF")).json()) as Record<
      string,
      unknown
    >;
    expect(market).toEqual({
      symbol: "USDCHF",
      source: "replay",
      base_timeframe: "30m",
      timeframes: ["30m", "1h", "2h", "4h", "1d"],
      shipped: ["2h", "4h", "1d"],
      default_ensemble: [
        { timeframe: "2h", weight: 0.3 },
        { timeframe: "4h", weight: 0.3 },
        { timeframe: "1d", weight: 0.4 },
      ],
    });
    expect(await (await authedFetch(u.accessToken, "/api/v1/market/symbols/SPX500")).json()).toMatchObject({
      timeframes: ["1d"],
      shipped: [],
      default_ensemble: [{ timeframe: "1d", weight: 1 }],
    });
    expect(await (await authedFetch(u.accessToken, "/api/v1/market/symbols/EURUSD")).json()).toMatchObject({
      source: "connector",
      timeframes: ["1m", "5m", "15m", "30m", "1h", "2h", "4h", "1d"],
    });

    const before = await botCount(u.userId);
    const res = await authedFetch(u.accessToken, M, {
      method: "POST",
      json: {
        name: "too fine",
        symbol: "USDCHF",
        config: {
          ensemble: {
            models: [
              { timeframe: "15m", weight: 0.3 },
              { timeframe: "1h", weight: 0.25 },
              { timeframe: "4h", weight: 0.45 },
            ],
          },
        },
      },
    });
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.code).toBe("validation_error");
    expect(err.message).toMatch(/USDCHF can't serve 15m: USDCHF replay data is 30m; 15m cannot be made from it/);
    expect(err.details).toEqual([
      {
        path: "config.ensemble.models.0.timeframe",
        message: "USDCHF replay data is 30m; 15m cannot be made from it (this symbol serves 30m, 1h, 2h, 4h, 1d)",
        code: "unservable_timeframe",
      },
    ]);
    expect(await botCount(u.userId)).toBe(before);

    // PATCH: moving a bot to a symbol or timeframe its data can't serve changes nothing.
    const bot = await createBot(u, {
      name: "eur",
      symbol: "EURUSD",
      config: { ensemble: { models: [{ timeframe: "15m", weight: 1 }] } },
    });
    const moved = await authedFetch(u.accessToken, `${M}/${bot.id}`, { method: "PATCH", json: { symbol: "SPX500" } });
    expect(moved.status).toBe(400);
    expect((await errorOf(moved)).details).toEqual([
      expect.objectContaining({ path: "config.ensemble.models.0.timeframe", code: "unservable_timeframe" }),
    ]);
    expect(BotSchema.parse(await (await authedFetch(u.accessToken, `${M}/${bot.id}`)).json())).toMatchObject({
      symbol: "EURUSD",
    });
  });

  it("a new bot's defaults fit its symbol: an MT5 FX symbol gets the session-scale 2h/4h/1d, a Delta crypto symbol the seeds' 15m/1h/4h; shipped timeframes are the shipped files'", async () => {
    const u = await registerUser();
    const market = async (symbol: string) =>
      (await (await authedFetch(u.accessToken, `/api/v1/market/symbols/${symbol}`)).json()) as Record<string, unknown>;
    const session = [
      { timeframe: "2h", weight: 0.3 },
      { timeframe: "4h", weight: 0.3 },
      { timeframe: "1d", weight: 0.4 },
    ];
    const crypto = [
      { timeframe: "15m", weight: 0.3 },
      { timeframe: "1h", weight: 0.25 },
      { timeframe: "4h", weight: 0.45 },
    ];
    expect(await market("EURUSD")).toMatchObject({ source: "connector", shipped: [], default_ensemble: session });
    expect(await market("GER40")).toMatchObject({ source: "connector", default_ensemble: session });
    expect(await market("BTCUSD")).toMatchObject({ source: "delta", shipped: ["1h", "4h"], default_ensemble: crypto });
    for (const symbol of Object.keys(SHIPPED_BY_SYMBOL))
      expect((await market(symbol))["shipped"], symbol).toEqual(
        (SHIPPED_BY_SYMBOL[symbol] ?? []).map((m) => m.timeframe),
      );

    // Created over the API without an ensemble: the symbol's default, stored as such.
    const eur = await createBot(u, { name: "eur", symbol: "EURUSD" });
    expect(eur.config.ensemble.models).toEqual(session);
    expect(JSON.parse(String((await storedRow(eur.id))?.["config"])).ensemble.models).toEqual(session);
    const btc = await createBot(u, { name: "btc", symbol: "BTCUSD" });
    expect(btc.config.ensemble.models).toEqual(crypto);
  });
});
