// POST /api/v1/ml/models/{id}/shipped-models: the shipped USD/CHF models become the bot's active
// versions through the same storage path as uploads (R2 + model_versions, previous retired).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ApiErrorSchema } from "../../core/protocol/errors";
import { BotSchema } from "../../core/protocol/models-api";
import { InstalledShippedModelsSchema } from "../../core/protocol/shipped-models-api";
import { SHIPPED_ENSEMBLE } from "../../durable-objects/prediction";
import { api, registerUser, type TestUser } from "./helpers";

async function createBot(u: TestUser, symbol: string): Promise<string> {
  const config = symbol === "USDCHF" ? { ensemble: { models: SHIPPED_ENSEMBLE } } : {};
  const res = await api("/api/v1/ml/models", {
    method: "POST",
    token: u.accessToken,
    json: { name: `bot ${symbol}`, symbol, config },
  });
  expect(res.status).toBe(201);
  return BotSchema.parse(await res.json()).id;
}

const activeVersions = (botId: string) =>
  env.DB.prepare(
    "SELECT timeframe, version FROM model_versions WHERE bot_id = ? AND status = 'active' ORDER BY timeframe",
  )
    .bind(botId)
    .all<{ timeframe: string; version: number }>();

describe("shipped models", () => {
  it("installs 2h/4h/1d as active versions, and a second install retires the first", async () => {
    const u = await registerUser();
    const botId = await createBot(u, "USDCHF");
    const first = await api(`/api/v1/ml/models/${botId}/shipped-models`, { method: "POST", token: u.accessToken });
    expect(first.status).toBe(201);
    const body = InstalledShippedModelsSchema.parse(await first.json());
    expect(body.installed.map((m) => m.timeframe).sort()).toEqual(["1d", "2h", "4h"]);
    for (const m of body.installed) expect(await env.MODELS.head(m.r2Key)).not.toBeNull();
    expect((await activeVersions(botId)).results).toEqual([
      { timeframe: "1d", version: 1 },
      { timeframe: "2h", version: 1 },
      { timeframe: "4h", version: 1 },
    ]);
    expect(
      (await api(`/api/v1/ml/models/${botId}/shipped-models`, { method: "POST", token: u.accessToken })).status,
    ).toBe(201);
    expect((await activeVersions(botId)).results.map((r) => r.version)).toEqual([2, 2, 2]);
    const retired = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM model_versions WHERE bot_id = ? AND status = 'retired'",
    )
      .bind(botId)
      .first<{ n: number }>();
    expect(retired?.n).toBe(3);
  });

  it("installs BTCUSD's shipped 1h/4h on a BTCUSD bot (its 15m member is trained on the edge)", async () => {
    const u = await registerUser();
    const botId = await createBot(u, "BTCUSD");
    const res = await api(`/api/v1/ml/models/${botId}/shipped-models`, { method: "POST", token: u.accessToken });
    expect(res.status).toBe(201);
    const body = InstalledShippedModelsSchema.parse(await res.json());
    expect(body.symbol).toBe("BTCUSD");
    expect((await activeVersions(botId)).results).toEqual([
      { timeframe: "1h", version: 1 },
      { timeframe: "4h", version: 1 },
    ]);
  });

  it("refuses a bot on another symbol (409) and another user's bot (404), storing nothing", async () => {
    const u = await registerUser();
    const other = await registerUser();
    const eur = await createBot(u, "EURUSD");
    const res = await api(`/api/v1/ml/models/${eur}/shipped-models`, { method: "POST", token: u.accessToken });
    expect(res.status).toBe(409);
    expect(ApiErrorSchema.parse(await res.json()).error.message).toMatch(/USDCHF/);
    const chf = await createBot(u, "USDCHF");
    const stolen = await api(`/api/v1/ml/models/${chf}/shipped-models`, { method: "POST", token: other.accessToken });
    expect(stolen.status).toBe(404);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM model_versions WHERE bot_id IN (?, ?)")
      .bind(eur, chf)
      .first<{ n: number }>();
    expect(n?.n).toBe(0);
  });
});
