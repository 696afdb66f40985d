// Issue 15's position journey on an MT5 account, in Chromium: wrangler dev, the real connector
// process (single-file build) and the simulated MT5 terminal behind it (test/e2e/rig.ts starts them,
// as for the Node e2e tests). Open by hand, partial close, modify SL (first refused by the terminal
// with 10016 Invalid stops, shown as a toast), breakeven, close; the last close is held at the
// terminal while the connector's link to the edge is cut, and completes after it reconnects. Each
// step is checked three ways: the page, the API (positions, the trade and its legs) and the terminal.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fmtPnl, fmtPrice } from "../../web/src/lib/format.ts";
import { Api, until } from "../e2e/platform.ts";
import { startRig, waitOnline } from "../e2e/rig.ts";
import { launchBrowser, screenshot, signUp, startPlatform } from "./harness.mjs";

const T = { timeout: 30_000 };

let platform;
let browser;
let page;
let rig;

const openPositions = async () => (await rig.api.call("GET", "/positions")).body.positions;
const tradeById = async (id) =>
  (await rig.api.call("GET", "/trades/history?limit=20")).body.trades.find((t) => t.id === id);
const row = () => page.getByTestId("position-row").first();
/** The row's cells by column (positions.tsx): volume, entry, price, SL, TP, P&L. */
const cell = (i) => row().locator("td").nth(i);
const [VOLUME, ENTRY, SL, PNL, SOURCE] = [1, 2, 4, 6, 8];
/** Modify SL/TP on the row: the SL field set to `sl`, saved. */
async function modifySl(sl) {
  await row()
    .getByRole("button", { name: /^Modify SL\/TP/ })
    .click();
  await row()
    .getByRole("spinbutton", { name: /^Stop loss of/ })
    .fill(sl);
  await row().getByRole("button", { name: "Save" }).click();
}
/** Waits until the row's cell shows exactly `text` (the list redraws from pushes). */
const cellShows = (i, text) =>
  page.waitForFunction(
    ([i, text]) =>
      document.querySelector('[data-testid="position-row"]')?.querySelectorAll("td")[i]?.textContent?.trim() === text,
    [i, text],
    T,
  );

describe("MT5 position journey in Chromium through the connector and the simulated terminal", () => {
  before(async () => {
    platform = await startPlatform();
    browser = await launchBrowser();
    page = browser.page;
  });
  after(async () => {
    if (page) await screenshot(page, "mt5-last").catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await rig?.stop();
    await platform?.stop();
  });

  test("open by hand, partial close, modify SL (a refusal, then done), breakeven, close across a link cut: page, API and terminal agree", {
    timeout: 240_000,
  }, async () => {
    const user = await signUp(page, platform.url, { prefix: "mt5" });
    // This user's connector and terminal: a token from the API, the connector process, the simulator.
    rig = await startRig(platform.url, { user: { api: new Api(platform.url, user.token), userId: user.userId } });
    const { sim } = rig;

    // Open 0.1 EURUSD by hand on the MT5 account.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Positions", exact: true }).click();
    await page.getByText("Place an order by hand").click();
    await page.getByLabel("Symbol").fill("EURUSD");
    await page.getByLabel("Volume (lots)").fill("0.1");
    await page.getByLabel("Target").selectOption("connector");
    await page.getByRole("button", { name: "Place order" }).click();
    await page
      .getByTestId("manual-order-result")
      .filter({ hasText: /^(pending|filled)/ })
      .waitFor(T);
    await row().waitFor(T);
    const [opened] = await until(openPositions, (ps) => ps.length === 1 && ps[0].broker_ticket, 20_000, "the position");
    const ticket = opened.broker_ticket;
    const atTerminal = sim.positions.get(ticket);
    assert.ok(atTerminal, "the terminal holds the position");
    assert.equal(atTerminal.volume, 0.1);
    assert.equal(opened.volume, 0.1);
    assert.equal(opened.source, "manual");
    assert.equal(opened.entry_price, atTerminal.open_price);
    await cellShows(VOLUME, "0.1");
    assert.equal((await cell(ENTRY).textContent()).trim(), fmtPrice(atTerminal.open_price));
    assert.match(await cell(SOURCE).textContent(), new RegExp(`#${ticket}`));

    // The price rises 20 pips: the row's P&L follows the terminal's.
    sim.setPrice("EURUSD", 1.087);
    const rising = await until(openPositions, (ps) => ps[0]?.unrealized_pnl > 0, 20_000, "P&L from the terminal");
    await cellShows(PNL, fmtPnl(rising[0].unrealized_pnl));

    // Partial close of 0.04: the terminal keeps 0.06, so do the API and the row; the trade has one leg
    // whose P&L is the terminal's closing deal's profit.
    await row()
      .getByRole("button", { name: /^Partial close/ })
      .click();
    await row()
      .getByRole("spinbutton", { name: /Volume of .* to close/ })
      .fill("0.04");
    await row().getByRole("button", { name: "Close volume" }).click();
    await cellShows(VOLUME, "0.06");
    assert.equal(sim.positions.get(ticket).volume, 0.06);
    const [afterPartial] = await until(openPositions, (ps) => ps[0]?.volume === 0.06, 20_000, "API volume 0.06");
    assert.equal(afterPartial.id, opened.id, "the same position, smaller");
    const partialDeal = sim.deals.find((d) => d.entry === "out" && d.position === ticket);
    assert.equal(partialDeal.volume, 0.04);
    const partial = await until(
      () => tradeById(opened.trade_id),
      (t) => t?.legs?.length === 1,
      20_000,
      "the partial leg",
    );
    assert.equal(partial.status, "open");
    assert.equal(partial.legs[0].volume, 0.04);
    assert.equal(partial.legs[0].price, partialDeal.price);
    assert.ok(
      Math.abs(partial.legs[0].pnl - partialDeal.profit) < 0.011,
      `leg ${partial.legs[0].pnl} = deal ${partialDeal.profit}`,
    );
    await screenshot(page, "mt5-partial");

    // Modify SL above the bid: the terminal refuses (10016 Invalid stops); the user sees why, and
    // nothing changed at the terminal, in the API or on the row.
    await modifySl("1.088");
    const refusal = page.getByTestId("toast").filter({ hasText: "Trade error" });
    await refusal.waitFor(T);
    assert.match(await refusal.textContent(), /invalid stops/i);
    await screenshot(page, "mt5-modify-refused");
    assert.equal(sim.positions.get(ticket).sl, 0);
    assert.equal((await openPositions())[0].stop_loss, null);
    assert.equal((await cell(SL).textContent()).trim(), "—");
    await refusal.getByRole("button", { name: /Dismiss/ }).click();

    // A valid SL below the bid: done at the terminal, in the API and on the row.
    await modifySl("1.08");
    await cellShows(SL, fmtPrice(1.08));
    assert.equal(sim.positions.get(ticket).sl, 1.08);
    assert.equal((await openPositions())[0].stop_loss, 1.08);

    // Breakeven (the bid is above the entry): the SL moves to the entry everywhere.
    const entry = atTerminal.open_price;
    await row()
      .getByRole("button", { name: /breakeven/ })
      .click();
    await cellShows(SL, fmtPrice(entry));
    assert.equal(sim.positions.get(ticket).sl, entry);
    await until(openPositions, (ps) => ps[0]?.stop_loss === entry, 20_000, "API SL at the entry");
    await screenshot(page, "mt5-breakeven");

    // Close: the terminal holds the close's answer while the connector's link to the edge is cut; the
    // connector reconnects, the answer arrives, and the position closes exactly once.
    const held = sim.hold("close");
    await row()
      .getByRole("button", { name: /^Close / })
      .click();
    await page.getByRole("button", { name: "Confirm close" }).click();
    await held.arrived;
    assert.ok(rig.proxy.cut() > 0, "the connector's link was up");
    await waitOnline(rig.api);
    held.release();
    await page.getByRole("heading", { name: /No open positions/ }).waitFor(T);
    assert.equal(sim.positions.has(ticket), false);
    const outDeals = sim.deals.filter((d) => d.entry === "out" && d.position === ticket);
    assert.deepEqual(
      outDeals.map((d) => d.volume),
      [0.04, 0.06],
      "two closing deals at the terminal: the partial and the rest, none twice",
    );
    assert.deepEqual(await openPositions(), []);
    const closed = await until(
      () => tradeById(opened.trade_id),
      (t) => t?.status === "closed",
      20_000,
      "closed trade",
    );
    assert.equal(closed.legs.length, 2);
    assert.deepEqual(
      closed.legs.map((l) => l.price),
      outDeals.map((d) => d.price),
    );
    const legSum = closed.legs.reduce((s, l) => s + l.pnl, 0);
    const dealSum = outDeals.reduce((s, d) => s + d.profit, 0);
    assert.ok(Math.abs(closed.pnl - legSum) < 0.011, `trade P&L ${closed.pnl} = sum of legs ${legSum}`);
    assert.ok(Math.abs(closed.pnl - dealSum) < 0.011, `trade P&L ${closed.pnl} = the terminal's deals ${dealSum}`);
    assert.equal(closed.exit_price, outDeals[1].price);
    // The user's close, even though the terminal's list showed the position gone before the answer came.
    assert.equal(closed.reason, "closed");

    // The Trades page shows the closed trade with its P&L.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Trades", exact: true }).click();
    await page.getByRole("heading", { name: "Trades", level: 1 }).waitFor(T);
    await page.getByText(fmtPnl(closed.pnl)).first().waitFor(T);
    await screenshot(page, "mt5-closed");

    // The only console error allowed: none (connector refusals arrive as events, not HTTP errors).
    assert.deepEqual(browser.errors.splice(0), []);
  });
});
