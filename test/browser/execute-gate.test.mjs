// Issue 15: manual Execute passes the bot's entry gate, in Chromium against wrangler dev, on a paper
// bot and on an MT5 bot (the real connector process and the simulated terminal, test/e2e/rig.ts).
// The bot (max one open position) already holds a position; Execute is refused with the gate's
// reason on the page, and nothing new is placed (API; terminal). "Execute anyway (override)" then
// places it: the trade records the override and the Trades page shows its pill.
// The bot's 2h model is a real ONNX model that always says BUY (test/fixtures/onnx-models.ts), so
// every bar has a trade plan; the replay starts on a Monday evening (npm start's REPLAY_START),
// so the market is open.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { FEATURE_COUNT, FEATURE_SCHEMA } from "../../core/features/schema.ts";
import { DEMO_REPLAY_START } from "../../scripts/lib/demo.mjs";
import { Api, until } from "../e2e/platform.ts";
import { startRig } from "../e2e/rig.ts";
import { constantModel } from "../fixtures/onnx-models.ts";
import { launchBrowser, screenshot, signUp, startPlatform } from "./harness.mjs";

const T = { timeout: 30_000 };

let platform;
before(async () => {
  platform = await startPlatform({ extraArgs: ["--var", `REPLAY_START:${DEMO_REPLAY_START}`] });
});
after(async () => {
  await platform?.stop();
});

/** A USDCHF bot on `target` with one always-BUY 2h model, at most one open position, no cooldown. */
async function alwaysBuyBot(api, target) {
  const created = await api.call("POST", "/ml/models", {
    name: `Max one (${target})`,
    symbol: "USDCHF",
    config: {
      ensemble: { models: [{ timeframe: "2h", weight: 1 }] },
      risk: { maxOpenPositions: 1, sizing: { mode: "fixed", lots: 0.1 } },
      execution: { target, cooldownMinutes: 0, dailyTradeLimit: 50, confidenceThreshold: 0.5 },
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  const res = await fetch(`${api.base}/api/v1/ml/models/${id}/artifact?timeframe=2h`, {
    method: "PUT",
    headers: { authorization: `Bearer ${api.token}`, "content-type": "application/octet-stream" },
    body: constantModel(FEATURE_COUNT, FEATURE_SCHEMA.hash, "BUY"),
  });
  assert.ok(res.ok, `upload: ${res.status} ${await res.text()}`);
  return id;
}

/** The bot's trades, any status (a refused or failed order shows up here too). */
const botTrades = async (api, botId) => (await api.call("GET", `/trades/history?bot_id=${botId}&limit=20`)).body.trades;

/**
 * The journey on one account: the bot's first position (an order of the bot, POST /trade with
 * bot_id), then Execute refused at max open, then Execute anyway. `placed()` counts what the
 * account really holds (paper: the API; MT5: the terminal's opening deals).
 */
async function journey({ page, errors, api, target, placed, shot }) {
  const botId = await alwaysBuyBot(api, target);
  const first = await api.call("POST", "/trade", {
    symbol: "USDCHF",
    side: "BUY",
    volume: 0.1,
    client_order_id: `first-${randomUUID()}`,
    target,
    bot_id: botId,
  });
  assert.ok([201, 202].includes(first.status), JSON.stringify(first.body));
  await until(
    () => botTrades(api, botId),
    (ts) => ts.some((t) => t.status === "open"),
    20_000,
    "the bot's position",
  );
  assert.equal(await placed(), 1);

  // Execute: the plan is there (BUY), the gate refuses it with its reason, nothing is placed.
  await page.goto(`${platform.url}/bots/${botId}`);
  const card = page.getByTestId("prediction-card");
  await card.getByTestId("pred-direction").filter({ hasText: "BUY" }).waitFor(T);
  await card.getByTestId("pred-plan").waitFor(T);
  await card.getByRole("button", { name: "Execute…" }).click();
  await card.getByRole("button", { name: "Confirm execute" }).click();
  const refusal = card.getByRole("alert").filter({ hasText: "Not executed." });
  await refusal.waitFor(T);
  assert.match(await refusal.textContent(), /max open positions: 1 open, limit is 1/);
  assert.match(await refusal.textContent(), /conflict/);
  await card.getByTestId("pred-override").waitFor(T);
  await screenshot(page, `${shot}-execute-refused`);
  const afterRefusal = await botTrades(api, botId);
  assert.equal(afterRefusal.length, 1, "no new trade after the refusal");
  assert.equal(await placed(), 1, "nothing new placed at the account");
  // The API gives the same refusal with the gate's reason.
  const direct = await api.call("POST", `/ml/models/${botId}/execute`, {});
  assert.equal(direct.status, 409);
  assert.equal(direct.body.error.details.reason, "max_open_positions");

  // Execute anyway: placed, the trade says override, the Trades page shows the pill on it alone.
  await card.getByRole("button", { name: "Execute anyway (override)" }).click();
  await page
    .getByTestId("toast")
    .filter({ hasText: /Executed \(override\): BUY 0\.1 USDCHF/ })
    .waitFor(T);
  const trades = await until(
    () => botTrades(api, botId),
    (ts) => ts.length === 2 && ts.every((t) => t.status === "open"),
    20_000,
    "the override trade open",
  );
  const overridden = trades.filter((t) => t.override === true);
  assert.equal(overridden.length, 1, "exactly the executed trade carries the override");
  assert.equal(await placed(), 2);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Trades", exact: true }).click();
  await page.getByRole("heading", { name: "Trades", level: 1 }).waitFor(T);
  await page.getByTestId("trade-override").first().waitFor(T);
  assert.equal(await page.getByTestId("trade-override").count(), 1);
  await screenshot(page, `${shot}-override-pill`);
  // The page's own 409 for the refused Execute is the only console error.
  const rest = errors.splice(0).filter((e) => !/status of 409/.test(e));
  assert.deepEqual(rest, []);
}

describe("manual Execute at max open in Chromium", () => {
  test("paper bot: refused with its reason, nothing placed; override places it and shows the pill", {
    timeout: 180_000,
  }, async () => {
    const browser = await launchBrowser();
    try {
      const user = await signUp(browser.page, platform.url, { prefix: "gate" });
      const api = new Api(platform.url, user.token);
      await journey({
        page: browser.page,
        errors: browser.errors,
        api,
        target: "paper",
        placed: async () => (await api.call("GET", "/positions")).body.positions.length,
        shot: "paper",
      });
    } finally {
      await browser.close();
    }
  });

  test("MT5 bot: refused with its reason, nothing reaches the terminal; override places it there", {
    timeout: 240_000,
  }, async () => {
    const browser = await launchBrowser();
    let rig;
    try {
      const user = await signUp(browser.page, platform.url, { prefix: "gate-mt5" });
      rig = await startRig(platform.url, { user: { api: new Api(platform.url, user.token), userId: user.userId } });
      const sim = rig.sim;
      // The terminal quotes the market the bot predicts on (the replayed USDCHF of 1997, not the
      // simulator's default price), or the plan's ATR stops would sit on the wrong side of its price.
      const candles = await rig.api.call("GET", "/market/candles?symbol=USDCHF&timeframe=30m&limit=1");
      assert.equal(candles.status, 200, JSON.stringify(candles.body));
      sim.setPrice("USDCHF", candles.body.bars.at(-1).close);
      await journey({
        page: browser.page,
        errors: browser.errors,
        api: rig.api,
        target: "connector",
        placed: async () => sim.deals.filter((d) => d.entry === "in" && d.symbol === "USDCHF").length,
        shot: "mt5",
      });
      assert.equal(sim.positions.size, 2);
    } finally {
      await browser.close();
      await rig?.stop();
    }
  });
});
