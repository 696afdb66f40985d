// The crypto product in Chromium: what `npm start` shows a newcomer. wrangler dev pointed at the local
// Delta server (scripts/delta-sim, replayed BTC/USDT candles, a 15m candle every real second), the demo
// seeded exactly as npm start seeds it (USD/CHF bot + BTCUSD bot: shipped 1h/4h, 15m trained on the
// edge), cycles run until a BTCUSD paper trade opened and closed; then the dashboard shows both bots
// (labelled as replayed data), the BTCUSD trade with its P&L, and the bot's 3-model prediction.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { loadMarket } from "../../scripts/delta-sim/markets.ts";
import { startDeltaSim } from "../../scripts/delta-sim/server.ts";
import { CRYPTO_BOT_NAME, DEMO_BOT_NAME, DEMO_EMAIL, DEMO_PASSWORD, seedDemo } from "../../scripts/lib/demo.mjs";
import { launchBrowser, screenshot, startPlatform } from "./harness.mjs";

const T = { timeout: 20_000 };
let sim;
let platform;
let browser;
let page;
let closedTrade;

async function apiCall(method, path, token, body) {
  const res = await fetch(`${platform.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

describe("BTCUSD demo bot on the local Delta server, in Chromium", () => {
  before(async () => {
    sim = await startDeltaSim({ markets: [loadMarket("BTCUSD")], base: "15m", speed: 900, tickMs: 100, history: 6000 });
    platform = await startPlatform({
      extraArgs: ["--var", `DELTA_REST_URL:${sim.url}`, "--var", `DELTA_WS_URL:${sim.wsUrl}`],
    });
    browser = await launchBrowser();
    page = browser.page;
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await platform?.stop();
    await sim?.close();
  });

  test("npm start's demo seeding: both bots; cycles until a BTCUSD trade opens and closes", async () => {
    const demo = await seedDemo(platform.url, { crypto: true });
    assert.equal(demo.cryptoError, null);
    assert.ok(demo.cryptoBotId);
    const login = await fetch(`${platform.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: DEMO_EMAIL, password: DEMO_PASSWORD }),
    });
    const { access_token: token } = await login.json();
    const deadline = Date.now() + 150_000;
    for (;;) {
      assert.ok(Date.now() < deadline, "no BTCUSD trade opened and closed within 150 s");
      await new Promise((r) => setTimeout(r, 400));
      const cycle = await apiCall("POST", "/ml/auto-trading/trigger", token);
      assert.equal(cycle.status, 200);
      const errors = cycle.body.results.filter((r) => r.outcome === "error");
      assert.deepEqual(errors, []);
      const h = await apiCall("GET", `/trades/history?bot_id=${demo.cryptoBotId}`, token);
      closedTrade = h.body.trades.find((t) => t.status === "closed");
      if (closedTrade) break;
    }
    // Stop trading so the page shows a settled account.
    assert.equal((await apiCall("POST", `/ml/models/${demo.cryptoBotId}/deactivate`, token)).status, 200);
  });

  test("the dashboard lists both bots, each labelled as replayed data", async () => {
    await page.goto(`${platform.url}/signin`);
    await page.getByLabel("Email").fill(DEMO_EMAIL);
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor(T);
    await page.goto(`${platform.url}/bots`);
    const rows = page.getByTestId("bot-row");
    await rows.nth(1).waitFor(T);
    const btc = rows.filter({ hasText: CRYPTO_BOT_NAME });
    const chf = rows.filter({ hasText: DEMO_BOT_NAME });
    await btc.getByTestId("replayed-data").waitFor(T);
    await chf.getByTestId("replayed-data").waitFor(T);
    assert.match(await btc.textContent(), /BTCUSD/);
    assert.match(await btc.textContent(), /15m 0\.3 · 1h 0\.25 · 4h 0\.45/);
    assert.match(await btc.getByTestId("replayed-data").getAttribute("title"), /local Delta-compatible server/);
    await screenshot(page, "delta-bots");
    assert.deepEqual(browser.errors.splice(0), []);
  });

  test("the trades page shows the closed BTCUSD trade with its exit and P&L", async () => {
    await page.goto(`${platform.url}/trades`);
    const row = page.getByTestId("trade-row").filter({ hasText: "BTCUSD" }).filter({ hasText: "closed" }).first();
    await row.waitFor(T);
    const text = await row.textContent();
    assert.match(text, new RegExp(closedTrade.side));
    assert.match(text, new RegExp(closedTrade.reason));
    assert.match(text, /[+-−]?\d/);
    await screenshot(page, "delta-trades");
    assert.deepEqual(browser.errors.splice(0), []);
  });

  test("the BTCUSD bot page shows the 3-model ensemble's prediction", async () => {
    await page.goto(`${platform.url}/bots`);
    await page.getByRole("link", { name: CRYPTO_BOT_NAME }).click();
    await page.getByRole("heading", { name: CRYPTO_BOT_NAME, level: 1 }).waitFor(T);
    await page.getByTestId("replayed-data").waitFor(T);
    const card = page.getByTestId("prediction-card");
    await card.getByRole("button", { name: "Refresh" }).click();
    await card.getByTestId("pred-direction").waitFor(T);
    await card.getByTestId("pred-breakdown").locator("tbody tr").nth(2).waitFor(T);
    assert.equal(await card.getByTestId("pred-breakdown").locator("tbody tr").count(), 3);
    const breakdown = await card.getByTestId("pred-breakdown").textContent();
    for (const tf of ["15m", "1h", "4h"]) assert.match(breakdown, new RegExp(tf));
    await screenshot(page, "delta-bot-page");
    assert.deepEqual(browser.errors.splice(0), []);
  });
});
