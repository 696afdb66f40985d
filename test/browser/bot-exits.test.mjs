// Issue 15's bot-exit journeys in Chromium against wrangler dev, on the paper account and the
// replayed USD/CHF market (480x from the demo's start bar, so a 30m bar closes every 3.75 s and the
// shipped models decide a new 2h bar every 15 s): a bot given a trailing stop in its settings opens
// a position, the page shows its stop move and the trade closed by "trailing"; a bot with a
// stop-loss guard is stopped out twice, its page and the activity feed show the pause and its
// reason, the next cycle skips with it, and entries resume when the pause has passed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEMO_CONFIG, DEMO_REPLAY_START } from "../../scripts/lib/demo.mjs";
import { apiClient, journeySuite, screenshot } from "./harness.mjs";

const T = { timeout: 20_000 };
const SPEED = 480;

let platform;
let browser;
let page;
let token = "";

const api = apiClient(
  () => platform.url,
  () => token,
);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nav = (label) =>
  page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: label, exact: true }).click();
const tradesOf = async (botId) =>
  (await api(`/trades/history?bot_id=${botId}&limit=100`)).body.trades.filter((t) => t.bot_id === botId);
const activitiesOf = async (botId) =>
  (await api(`/activities/recent?limit=500`)).body.activities.filter((a) => a.bot_id === botId);
const statusOf = async (botId) => (await api("/ml/auto-trading/status")).body.bots.find((b) => b.bot_id === botId);

/** A bot like the demo's (shipped USD/CHF 2h/4h/1d models, paper, threshold 0.4, no cooldown), made through the API (the form's own journey is trading.test.mjs). */
async function shippedBot(name) {
  const bot = await api("/ml/models", {
    method: "POST",
    body: JSON.stringify({ name, symbol: "USDCHF", config: DEMO_CONFIG }),
  });
  assert.equal(bot.status, 201, JSON.stringify(bot.body));
  const models = await api(`/ml/models/${bot.body.id}/shipped-models`, { method: "POST" });
  assert.equal(models.status, 201, JSON.stringify(models.body));
  return bot.body.id;
}

/** Clicks "Run cycle now" on the bot page and answers the outcome the page shows for it. */
async function runCycleOnPage() {
  const button = page.getByRole("button", { name: "Run cycle now" });
  await button.click();
  await page.getByRole("button", { name: "Run cycle now" }).waitFor(T); // "Running…" while it runs
  const li = page.getByTestId("cycle-results").locator("li").first();
  await li.waitFor(T);
  return { outcome: await li.getAttribute("data-outcome"), text: await li.textContent() };
}

/**
 * Cycles (as the scheduler would run them, every replayed bar) until `done(result)`; a 2h bar
 * closes every 15 s at this speed, so each new try decides a new bar. Answers the last result.
 */
async function cycleUntil(botId, done, { patienceMs = 150_000, everyMs = 3000 } = {}) {
  const deadline = Date.now() + patienceMs;
  const seen = [];
  for (;;) {
    const r = await api("/ml/auto-trading/trigger", { method: "POST" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const mine = r.body.results.find((x) => x.bot_id === botId);
    if (mine) seen.push(`${mine.outcome}:${mine.reason}`);
    if (mine && done(mine)) return mine;
    if (Date.now() > deadline) assert.fail(`no matching cycle within ${patienceMs / 1000} s; saw ${seen.join(", ")}`);
    await sleep(everyMs);
  }
}

describe("bot exits and protections in Chromium", () => {
  journeySuite(
    { prefix: "exits", extraArgs: ["--var", `REPLAY_SPEED:${SPEED}`, "--var", `REPLAY_START:${DEMO_REPLAY_START}`] },
    (suite) => {
      ({ platform, browser, page, token } = suite);
    },
  );

  test("a bot opens a position, its trailing stop moves on the page and closes the trade as 'trailing'", async () => {
    const botId = await shippedBot("Trailing USD/CHF");
    // The user gives the bot a trailing stop of 80 points (8 pips) in its settings.
    await page.goto(`${platform.url}/bots/${botId}`);
    await page.getByRole("heading", { name: "Trailing USD/CHF", level: 1 }).waitFor(T);
    await page.getByRole("button", { name: "Edit settings" }).click();
    await page.getByLabel("Trailing stop distance (points, empty = off)").fill("80");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page
      .getByRole("button", { name: "Edit settings" })
      .waitFor(T)
      .catch(async (e) => {
        await screenshot(page, "exits-trailing-save-failed");
        throw e;
      });
    assert.deepEqual((await api(`/ml/models/${botId}`)).body.config.exits.trailing, {
      distancePoints: 80,
      activationPoints: null,
    });

    // Every stop-loss value the positions table shows is recorded from here on (the page is an SPA).
    await page.evaluate(() => {
      window.__slSeen = [];
      setInterval(() => {
        for (const row of document.querySelectorAll('[data-testid="position-row"]')) {
          const sl = row.querySelectorAll("td.num")[3]?.textContent?.trim();
          if (sl && window.__slSeen.at(-1) !== sl) window.__slSeen.push(sl);
        }
      }, 100);
    });
    await page.getByRole("button", { name: "Activate" }).click();
    await page.getByTestId("bot-state").filter({ hasText: "active" }).waitFor(T);
    const first = await runCycleOnPage();
    assert.match(first.outcome, /^(traded|skipped)$/, first.text);
    await screenshot(page, "exits-trailing-cycle");
    await nav("Positions");
    await page.getByRole("heading", { name: "Positions", level: 1 }).waitFor(T);
    // Until the bot holds a position, its cycles run as the scheduler would, one per replayed bar.
    let trade = (await tradesOf(botId)).find((t) => t.status === "open" || t.status === "closed");
    if (!trade) {
      const traded = await cycleUntil(botId, (r) => r.outcome === "traded");
      trade = (await tradesOf(botId)).find((t) => t.id === traded.trade_id);
    }
    assert.ok(trade, "the bot opened a position");
    const opened = (await activitiesOf(botId)).find((a) => a.type === "trade" && a.data?.trade_id === trade.id);
    assert.ok(opened, "the fill is in the activity feed");

    // The position closes by itself, on the trailing stop (the bot's ATR stop and target stay far away).
    await page.getByRole("heading", { name: /No open positions/ }).waitFor({ timeout: 120_000 });
    const closed = (await tradesOf(botId)).find((t) => t.id === trade.id);
    assert.equal(closed.status, "closed");
    assert.equal(closed.reason, "trailing", JSON.stringify(closed));
    const feed = await activitiesOf(botId);
    const moves = feed
      .filter((a) => a.data?.trade_id === trade.id && /stop moved to .* \(trailing\)/.test(a.message))
      .map((a) => Number(/stop moved to ([\d.]+)/.exec(a.message)[1]));
    assert.ok(moves.length >= 1, "the trailing stop moved at least once");
    // The trade keeps the stop the trail last set (the furthest in the position's favour).
    const furthest = closed.side === "BUY" ? Math.max(...moves) : Math.min(...moves);
    assert.ok(Math.abs(closed.stop_loss - furthest) < 1e-9, `stop ${closed.stop_loss}, trail ${moves.join(", ")}`);
    const seen = (await page.evaluate(() => window.__slSeen)).map(Number);
    assert.ok(
      seen.some((v) => moves.some((m) => Math.abs(m - v) < 1e-5)),
      `the page showed a moved stop (${seen.join(", ")}) of ${moves.join(", ")}`,
    );

    // The trades page lists it closed, with its reason.
    await nav("Trades");
    const row = page.getByTestId("trade-row").filter({ hasText: "trailing" }).first();
    await row.waitFor(T);
    assert.match(await row.textContent(), /closed/);
    assert.match(await row.textContent(), /Trailing USD\/CHF/);
    await screenshot(page, "exits-trailing-trades");
    // The activity feed says what closed it.
    await nav("Activity");
    await page
      .getByTestId("activity-item")
      .filter({ hasText: /closed by trailing/ })
      .first()
      .waitFor(T);
    await page
      .getByTestId("activity-item")
      .filter({ hasText: /stop moved to .* \(trailing\)/ })
      .first()
      .waitFor(T);
    await screenshot(page, "exits-trailing-activity");

    await page.goto(`${platform.url}/bots/${botId}`);
    await page.getByRole("button", { name: "Deactivate" }).click();
    await page.getByTestId("bot-state").filter({ hasText: "inactive" }).waitFor(T);
    const errors = browser.errors.splice(0);
    assert.deepEqual(errors, [], `console errors:\n${errors.join("\n")}`);
  });

  test("a stop-loss guard pauses a bot after 2 stops: the bot page and the feed say why, cycles skip, entries resume after the pause", async () => {
    const botId = await shippedBot("Guarded USD/CHF");
    // The user sets tight fixed stops (5 pips, target 15) and the guard: 2 stops within a day pause
    // entries for 8 hours (market time; one minute of wall time at 480x).
    await page.goto(`${platform.url}/bots/${botId}`);
    await page.getByRole("heading", { name: "Guarded USD/CHF", level: 1 }).waitFor(T);
    await page.getByRole("button", { name: "Edit settings" }).click();
    await page.getByLabel("Stops", { exact: true }).selectOption("pips");
    await page.getByLabel("Stop loss (pips, empty = none)").fill("5");
    await page.getByLabel("Take profit (pips, empty = none)").fill("15");
    await page.getByLabel("Stop-loss guard: stops").fill("2");
    await page.getByLabel("within (minutes)").first().fill("1440");
    await page.getByLabel("pause (minutes)").first().fill("480");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByRole("button", { name: "Edit settings" }).waitFor(T);
    const config = (await api(`/ml/models/${botId}`)).body.config;
    assert.deepEqual(config.protections.stoplossGuard, { tradeLimit: 2, lookbackMinutes: 1440, pauseMinutes: 480 });
    assert.deepEqual(config.risk.stops, { mode: "pips", sl: 5, tp: 15 });
    await page.getByRole("button", { name: "Activate" }).click();
    await page.getByTestId("bot-state").filter({ hasText: "active" }).waitFor(T);
    await page.getByTestId("bot-last-cycle").waitFor(T);
    assert.equal(await page.getByTestId("bot-paused").count(), 0, "no pause before any stop");

    // Cycles run (as the scheduler's would) until the bot has been stopped out twice at a loss.
    const stops = async () =>
      (await tradesOf(botId)).filter((t) => t.status === "closed" && t.reason === "sl" && t.pnl < 0);
    const deadline = Date.now() + 240_000;
    while ((await stops()).length < 2) {
      assert.ok(Date.now() < deadline, `two stops within 240 s; trades: ${JSON.stringify(await tradesOf(botId))}`);
      const r = await api("/ml/auto-trading/trigger", { method: "POST" });
      assert.equal(r.status, 200);
      await sleep(2000);
    }
    const twoStops = (await stops()).slice(0, 2);

    // The next cycle, run from the bot page, skips with the protection; the page shows the pause and why.
    const cycle = await runCycleOnPage();
    assert.equal(cycle.outcome, "skipped", cycle.text);
    assert.match(cycle.text, /protection/);
    const paused = page.getByTestId("bot-paused");
    await paused.waitFor(T);
    assert.match(await paused.textContent(), /Entries paused by the stop-loss guard/);
    assert.match(
      await page.getByTestId("bot-paused-reason").textContent(),
      /2 stop losses within 1440 min \(limit 2\)/,
    );
    assert.match(await page.getByTestId("bot-last-cycle").textContent(), /skipped \(protection\)/);
    await screenshot(page, "exits-guard-paused");
    const status = await statusOf(botId);
    assert.equal(status.last_result, "skipped");
    assert.equal(status.last_reason, "protection");
    assert.equal(status.paused?.protection, "stoploss_guard");
    const lastStop = Math.max(...twoStops.map((t) => t.closed_at));
    assert.ok(status.paused.until >= lastStop + 480 * 60_000, JSON.stringify({ status, twoStops }));
    const skip = (await activitiesOf(botId)).find((a) => a.type === "skip" && a.data?.reason === "protection");
    assert.match(
      skip?.message ?? "",
      /^stop-loss guard: \d+ stop losses within 1440 min \(limit 2\); entries paused until /,
    );

    // The activity feed lists the pause.
    await nav("Activity");
    await page
      .getByTestId("activity-item")
      .filter({ hasText: /stop-loss guard: .* entries paused until/ })
      .first()
      .waitFor(T);
    await screenshot(page, "exits-guard-activity");

    // After the pause (market time), a cycle is no longer skipped by it and the page drops the notice.
    await page.goto(`${platform.url}/bots/${botId}`);
    await page.getByTestId("bot-last-cycle").waitFor(T);
    const resumeBy = Date.now() + 180_000;
    for (;;) {
      const r = await runCycleOnPage();
      if (!/protection/.test(r.text)) break;
      assert.ok(Date.now() < resumeBy, "entries resumed within 180 s (the pause is 60 s of wall time)");
      await sleep(3000);
    }
    await paused.waitFor({ state: "hidden", ...T });
    assert.doesNotMatch(await page.getByTestId("bot-last-cycle").textContent(), /protection/);
    assert.notEqual((await statusOf(botId)).last_reason, "protection");
    await screenshot(page, "exits-guard-resumed");
    await page.getByRole("button", { name: "Deactivate" }).click();
    await page.getByTestId("bot-state").filter({ hasText: "inactive" }).waitFor(T);
    const errors = browser.errors.splice(0);
    assert.deepEqual(errors, [], `console errors:\n${errors.join("\n")}`);
  });
});
