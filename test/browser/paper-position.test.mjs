// Issue 15's paper journey in Chromium against wrangler dev: open a paper position by hand, close
// part of it, modify its SL, move the stop to breakeven, then close the rest through a "Confirm close"
// that must survive the per-second price ticks. Each step is checked on the page and in the API
// (the trade's legs, and its P&L as the sum of its legs).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { apiClient, launchBrowser, screenshot, signUp, startPlatform } from "./harness.mjs";

const T = { timeout: 20_000 };

let platform;
let browser;
let page;
let token = "";

const api = apiClient(
  () => platform.url,
  () => token,
);
const openPositions = async () => (await api("/positions")).body.positions;
const row = () => page.getByTestId("position-row").first();

describe("paper position journey in Chromium", () => {
  before(async () => {
    platform = await startPlatform();
    browser = await launchBrowser();
    page = browser.page;
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await platform?.stop();
  });

  test("open by hand, partial close, modify SL, breakeven, close: the page and the API agree at each step", async () => {
    ({ token } = await signUp(page, platform.url, { prefix: "paper" }));

    // Open 0.1 lots by hand on the paper account.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Positions", exact: true }).click();
    await page.getByText("Place an order by hand").click();
    await page.getByLabel("Volume (lots)").fill("0.1");
    await page.getByRole("button", { name: "Place order" }).click();
    await page
      .getByTestId("manual-order-result")
      .filter({ hasText: /^filled/ })
      .waitFor(T);
    await row().waitFor(T);
    const [opened] = await openPositions();
    assert.equal(opened.volume, 0.1);
    assert.equal(opened.source, "manual");

    // Partial close of 0.04: the row shows 0.06 and the trade has one leg.
    await row()
      .getByRole("button", { name: /^Partial close/ })
      .click();
    await row()
      .getByRole("spinbutton", { name: /Volume of .* to close/ })
      .fill("0.04");
    await row().getByRole("button", { name: "Close volume" }).click();
    await row().locator("td.num").first().filter({ hasText: "0.06" }).waitFor(T);
    const [afterPartial] = await openPositions();
    assert.equal(afterPartial.volume, 0.06);
    const partialTrade = (await api(`/trades/history?limit=5`)).body.trades.find((t) => t.id === opened.trade_id);
    assert.equal(partialTrade.legs?.length, 1, "one closing leg recorded");
    assert.equal(partialTrade.legs[0].volume, 0.04);
    await screenshot(page, "paper-partial");

    // Modify the SL to 1% below the entry (a BUY), then breakeven moves it to the entry.
    const sl = Number((opened.entry_price * 0.99).toFixed(5));
    await row()
      .getByRole("button", { name: /^Modify SL\/TP/ })
      .click();
    await row()
      .getByRole("spinbutton", { name: /^Stop loss of/ })
      .fill(String(sl));
    await row().getByRole("button", { name: "Save" }).click();
    await page.getByTestId("position-action-note").filter({ hasText: "modify: done" }).waitFor(T);
    assert.equal((await openPositions())[0].stop_loss, sl);
    // Breakeven moves the SL to the entry when the price is past it; in a loss the account refuses
    // (the SL would sit above the exit price) and the row shows the API's reason. Either way the
    // page and the API agree.
    await row()
      .getByRole("button", { name: /breakeven/ })
      .click();
    const done = page.getByTestId("position-action-note").filter({ hasText: "breakeven: done" });
    const refused = row().getByRole("alert");
    await done.or(refused).first().waitFor(T);
    const be = (await openPositions())[0];
    const breakevenRefused = !(await done.isVisible());
    if (!breakevenRefused) {
      assert.ok(Math.abs(be.stop_loss - be.entry_price) < 1e-4, `SL ${be.stop_loss} moved to entry ${be.entry_price}`);
    } else {
      assert.match(await refused.textContent(), /\S/);
      assert.equal(be.stop_loss, sl, "a refused breakeven changes nothing");
      await screenshot(page, "paper-breakeven-refused");
    }

    // "Confirm close" stays up across several price ticks (the row is not redrawn), then closes.
    await row()
      .getByRole("button", { name: /^Close / })
      .click();
    const confirm = page.getByRole("button", { name: "Confirm close" });
    await confirm.waitFor(T);
    const stamp = await page.getByTestId("positions-updated").textContent();
    await page.waitForFunction(
      (t) => document.querySelector('[data-testid="positions-updated"]')?.textContent !== t,
      stamp,
      T,
    );
    await page.waitForTimeout(1500);
    assert.equal(await confirm.isVisible(), true, "Confirm close survived the price ticks");
    await screenshot(page, "paper-confirm-close");
    await confirm.click();
    await page.getByRole("heading", { name: /No open positions/ }).waitFor(T);
    assert.deepEqual(await openPositions(), []);
    const closed = (await api(`/trades/history?limit=5`)).body.trades.find((t) => t.id === opened.trade_id);
    assert.equal(closed.status, "closed");
    assert.equal(closed.legs.length, 2);
    const legSum = closed.legs.reduce((s, l) => s + l.pnl, 0);
    assert.ok(Math.abs(closed.pnl - legSum) < 0.011, `trade P&L ${closed.pnl} = sum of legs ${legSum}`);
    await screenshot(page, "paper-closed");
    // The only console error allowed is the browser's own log line for a refused breakeven (422).
    const errors = browser.errors.splice(0).filter((e) => !(breakevenRefused && /status of 422 .*\/breakeven/.test(e)));
    assert.deepEqual(errors, []);
  });

  test("a bot on a symbol with no data: the chart and the prediction say so calmly, the other panels and pages keep working", async () => {
    const created = await api("/ml/models", {
      method: "POST",
      body: JSON.stringify({ name: "No data", symbol: "EURUSD" }),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // An FX symbol from the MT5 terminal gets the session-scale ensemble, not the crypto seeds' 15m/1h/4h.
    assert.deepEqual(
      created.body.config.ensemble.models.map((m) => m.timeframe),
      ["2h", "4h", "1d"],
    );
    await page.goto(`${platform.url}/bots/${created.body.id}`);
    await page.getByRole("heading", { name: "No data", level: 1 }).waitFor(T);
    await page.getByTestId("chart-empty").filter({ hasText: "No market data for EURUSD" }).waitFor(T);
    // The prediction card: a calm empty state (a status, not an alert), as the API says there are no bars.
    const card = page.getByTestId("prediction-card");
    await card.getByTestId("pred-no-data").filter({ hasText: "No market data for EURUSD yet" }).waitFor(T);
    assert.equal(await card.getByRole("alert").count(), 0, "no red error in the prediction card");
    const predicted = await api(`/ml/models/${created.body.id}/predict`, { method: "POST", body: "{}" });
    assert.ok(
      ["no_data", "unknown_symbol"].includes(predicted.body.error?.details?.reason),
      JSON.stringify(predicted.body),
    );
    // The page did not crash: its other panels render (the models panel lists the bot's timeframes).
    await page.getByRole("heading", { name: "Models" }).waitFor(T);
    for (const tf of ["2h", "4h", "1d"]) await page.getByTestId(`model-${tf}`).waitFor(T);
    await screenshot(page, "bot-no-data");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Trades", exact: true }).click();
    await page.getByRole("heading", { name: "Trades", level: 1 }).waitFor(T);
    const errors = browser.errors.splice(0).filter((e) => !/status of 4\d\d/.test(e));
    assert.deepEqual(errors, [], "no uncaught exception");
  });
});
